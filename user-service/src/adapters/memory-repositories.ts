import type { DomainEvent } from '@herald/contracts';
import { DEFAULT_DIRECT_MESSAGES, followBlock, type PairState } from '../domain/blocks.js';
import { BlockedError, EmailTakenError, UserNotFoundError, UsernameTakenError } from '../domain/errors.js';
import type { BlockEntry, BlockRepository, BlockWrite, BouncedAddressKind, FollowDirection, FollowEdge, FollowPageEntry, FollowRepository, LoginFailures, NewSession, NewUser, ProfileWrite, RotationPlan, SessionRepository, UserRepository } from '../domain/ports.js';
import type { SessionEndReason, StoredRefreshToken } from '../domain/sessions.js';
import { emailKey, usernameKey } from '../domain/rules.js';
import type { User } from '../domain/user.js';

/**
 * In-memory fakes of the repositories, sharing one store so follow counters, blocks and pages behave
 * like the database. `events` plays the outbox: what a committed change would have published.
 * They are held to the same contract as the Prisma adapters (test/contract): ids are uuids, so any
 * letter case names the same row (kept lowercase, as PostgreSQL hands them back); what goes in and
 * what comes out are copies, never references into the store; `updatedAt` is the last profile change.
 */
export class MemoryStore {
  readonly users = new Map<string, User>();
  readonly edges: FollowEdge[] = [];
  readonly blocks: Array<BlockEntry & { blockerId: string }> = [];
  /** Per blocker: occurredAt of their newest block or unblock (users.blocks_changed_at). */
  readonly blocksChangedAt = new Map<string, Date>();
  readonly events: DomainEvent[] = [];
  readonly sessions = new Map<string, StoredSession>();
  /** Refresh token hash → its row. */
  readonly refreshTokens = new Map<string, { sessionId: string; usedAt: Date | null }>();
  /** The login failures of the same "database" (deleting an account forgets its rows). */
  readonly loginFailures = new MemoryLoginFailures();
}

interface StoredSession {
  id: string;
  userId: string;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: SessionEndReason | null;
}

/** A uuid as PostgreSQL stores and returns it. */
const uuid = (id: string) => id.toLowerCase();
const date = (d: Date) => new Date(d.getTime());

const copy = (user: User): User => ({
  ...user,
  createdAt: new Date(user.createdAt),
  updatedAt: new Date(user.updatedAt),
  emailBouncedAt: user.emailBouncedAt && new Date(user.emailBouncedAt),
  phoneBouncedAt: user.phoneBouncedAt && new Date(user.phoneBouncedAt),
});

export class MemoryUserRepository implements UserRepository {
  constructor(private readonly store: MemoryStore) {}

  async create(input: NewUser, event: DomainEvent): Promise<User> {
    const id = uuid(input.id);
    this.assertFree(id, { username: input.username, email: input.email });
    // The creation is the first profile change.
    const user: User = copy({ ...input, id, followersCount: 0, followingCount: 0, updatedAt: input.createdAt, emailBouncedAt: null, phoneBouncedAt: null, directMessages: DEFAULT_DIRECT_MESSAGES });
    this.store.users.set(id, user);
    this.store.events.push(event);
    return copy(user);
  }

  async findById(id: string) {
    const user = this.store.users.get(uuid(id));
    return user ? copy(user) : null;
  }

  async findByUsername(username: string) {
    return this.find((u) => usernameKey(u.username) === usernameKey(username));
  }

  async findByEmail(email: string) {
    return this.find((u) => emailKey(u.email) === emailKey(email));
  }

  async updateProfile(id: string, decide: (current: User) => ProfileWrite | null): Promise<User> {
    const user = this.store.users.get(uuid(id));
    if (!user) throw new UserNotFoundError();
    const write = decide(copy(user));
    if (!write) return copy(user);
    if (write.set.email !== undefined) this.assertFree(user.id, { email: write.set.email });
    // A field given as undefined is no change (as in a Prisma update).
    const set = Object.fromEntries(Object.entries(write.set).filter(([, value]) => value !== undefined));
    Object.assign(user, set, { updatedAt: date(write.updatedAt) });
    if (write.clearEmailBounce) user.emailBouncedAt = null;
    if (write.clearPhoneBounce) user.phoneBouncedAt = null;
    this.store.events.push(write.event);
    return copy(user);
  }

  async markAddressBounced(id: string, kind: BouncedAddressKind, address: string, at: Date): Promise<boolean> {
    const user = this.store.users.get(uuid(id));
    if (!user) return false;
    if (kind === 'email' && user.emailBouncedAt === null && emailKey(user.email) === emailKey(address)) {
      user.emailBouncedAt = new Date(at);
      return true;
    }
    if (kind === 'phone' && user.phoneBouncedAt === null && user.phone === address) {
      user.phoneBouncedAt = new Date(at);
      return true;
    }
    return false;
  }

  async deleteAccount(userId: string, event: DomainEvent, forget: { loginKeys: readonly string[] }): Promise<boolean> {
    const id = uuid(userId);
    if (!this.store.users.delete(id)) return false;
    for (let i = this.store.edges.length - 1; i >= 0; i--) {
      const edge = this.store.edges[i]!;
      if (edge.followerId === id) this.store.users.get(edge.followeeId)!.followersCount--;
      else if (edge.followeeId === id) this.store.users.get(edge.followerId)!.followingCount--;
      else continue;
      this.store.edges.splice(i, 1);
    }
    for (let i = this.store.blocks.length - 1; i >= 0; i--) {
      const block = this.store.blocks[i]!;
      if (block.blockerId === id || block.blockedId === id) this.store.blocks.splice(i, 1);
    }
    this.store.blocksChangedAt.delete(id);
    for (const [sessionId, session] of this.store.sessions) {
      if (session.userId !== id) continue;
      this.store.sessions.delete(sessionId);
      for (const [hash, token] of this.store.refreshTokens) if (token.sessionId === sessionId) this.store.refreshTokens.delete(hash);
    }
    for (const key of forget.loginKeys) this.store.loginFailures.rows.delete(key);
    this.store.events.push(event);
    return true;
  }

  async updatePasswordHash(id: string, passwordHash: string) {
    const user = this.store.users.get(uuid(id));
    if (user) user.passwordHash = passwordHash;
  }

  async searchByUsernamePrefix(prefix: string, limit: number) {
    return [...this.store.users.values()]
      .filter((u) => usernameKey(u.username).startsWith(prefix))
      .sort((a, b) => (usernameKey(a.username) < usernameKey(b.username) ? -1 : 1))
      .slice(0, limit)
      .map(copy);
  }

  private find(match: (u: User) => boolean) {
    const user = [...this.store.users.values()].find(match);
    return user ? copy(user) : null;
  }

  /** The username is checked first, over everyone: the database's unique indexes refuse it first. */
  private assertFree(selfId: string, keys: { username?: string; email?: string }) {
    const others = [...this.store.users.values()].filter((u) => u.id !== selfId);
    const { username, email } = keys;
    if (username !== undefined && others.some((u) => usernameKey(u.username) === usernameKey(username))) throw new UsernameTakenError();
    if (email !== undefined && others.some((u) => emailKey(u.email) === emailKey(email))) throw new EmailTakenError();
  }
}

export class MemoryFollowRepository implements FollowRepository {
  constructor(private readonly store: MemoryStore) {}

  async follow(given: FollowEdge, event: DomainEvent): Promise<boolean> {
    const edge: FollowEdge = { id: uuid(given.id), followerId: uuid(given.followerId), followeeId: uuid(given.followeeId), createdAt: date(given.createdAt) };
    const follower = this.store.users.get(edge.followerId);
    const followee = this.store.users.get(edge.followeeId);
    // One person is no pair: the two rows the adapter locks are one (see MemoryBlockRepository.change).
    if (!follower || !followee || follower === followee) throw new UserNotFoundError();
    const blockers = this.store.blocks
      .filter((b) => (b.blockerId === edge.followerId && b.blockedId === edge.followeeId) || (b.blockerId === edge.followeeId && b.blockedId === edge.followerId))
      .map((b) => b.blockerId);
    const refused = followBlock(edge.followerId, blockers);
    if (refused) throw new BlockedError(refused);
    if (this.indexOf(edge.followerId, edge.followeeId) >= 0) return false;
    this.store.edges.push(edge);
    follower.followingCount++;
    followee.followersCount++;
    this.store.events.push(event);
    return true;
  }

  async unfollow(followerId: string, followeeId: string, event: DomainEvent): Promise<boolean> {
    const at = this.indexOf(uuid(followerId), uuid(followeeId));
    if (at < 0) return false;
    const [edge] = this.store.edges.splice(at, 1);
    this.store.users.get(edge!.followerId)!.followingCount--;
    this.store.users.get(edge!.followeeId)!.followersCount--;
    this.store.events.push(event);
    return true;
  }

  async page(userId: string, direction: FollowDirection, opts: { beforeEdgeId?: string; limit: number }): Promise<FollowPageEntry[]> {
    const id = uuid(userId);
    const before = opts.beforeEdgeId ? uuid(opts.beforeEdgeId) : undefined;
    const mine = (e: FollowEdge) => (direction === 'followers' ? e.followeeId : e.followerId) === id;
    const other = (e: FollowEdge) => (direction === 'followers' ? e.followerId : e.followeeId);
    return this.store.edges
      .filter((e) => mine(e) && (before === undefined || e.id < before))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, opts.limit)
      .map((e) => ({ edgeId: e.id, followedAt: new Date(e.createdAt), user: copy(this.store.users.get(other(e))!) }));
  }

  private indexOf(followerId: string, followeeId: string) {
    return this.store.edges.findIndex((e) => e.followerId === followerId && e.followeeId === followeeId);
  }
}

export class MemoryBlockRepository implements BlockRepository {
  constructor(private readonly store: MemoryStore) {}

  async change(blocker: string, blocked: string, decide: (state: PairState) => BlockWrite | null): Promise<boolean> {
    const { store } = this;
    const [blockerId, blockedId] = [uuid(blocker), uuid(blocked)];
    // Both rows must exist, and be two: the adapter locks two users rows and finds fewer for one person.
    if (!store.users.has(blockerId) || !store.users.has(blockedId) || blockerId === blockedId) throw new UserNotFoundError();
    const at = store.blocks.findIndex((b) => b.blockerId === blockerId && b.blockedId === blockedId);
    const edges = store.edges
      .filter((e) => (e.followerId === blockerId && e.followeeId === blockedId) || (e.followerId === blockedId && e.followeeId === blockerId))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((e) => ({ ...e, createdAt: date(e.createdAt) }));
    const changedAt = store.blocksChangedAt.get(blockerId);
    const write = decide({ blocked: at >= 0, lastChangeAt: changedAt ? date(changedAt) : null, edges });
    if (!write) return false;
    if (write.add) store.blocks.push({ id: uuid(write.add.id), blockerId, blockedId, createdAt: date(write.add.createdAt) });
    else if (at >= 0) store.blocks.splice(at, 1);
    for (const edge of write.removeEdges) {
      const i = store.edges.findIndex((e) => e.id === uuid(edge.id));
      if (i < 0) continue;
      const [removed] = store.edges.splice(i, 1);
      store.users.get(removed!.followerId)!.followingCount--;
      store.users.get(removed!.followeeId)!.followersCount--;
    }
    store.blocksChangedAt.set(blockerId, date(write.at));
    store.events.push(...write.events);
    return true;
  }

  async page(blockerId: string, opts: { beforeId?: string; limit: number }): Promise<BlockEntry[]> {
    const id = uuid(blockerId);
    const before = opts.beforeId ? uuid(opts.beforeId) : undefined;
    return this.store.blocks
      .filter((b) => b.blockerId === id && (before === undefined || b.id < before))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, opts.limit)
      .map((b) => ({ id: b.id, blockedId: b.blockedId, createdAt: new Date(b.createdAt) }));
  }
}

export class MemorySessionRepository implements SessionRepository {
  constructor(private readonly store: MemoryStore) {}

  async start(session: NewSession): Promise<void> {
    const [id, userId] = [uuid(session.id), uuid(session.userId)];
    // The sessions row references its user.
    if (!this.store.users.has(userId)) throw new UserNotFoundError();
    this.store.sessions.set(id, { id, userId, expiresAt: date(session.expiresAt), revokedAt: null, revokedReason: null });
    this.store.refreshTokens.set(session.tokenHash, { sessionId: id, usedAt: null });
  }

  async rotate(tokenHash: string, decide: (found: StoredRefreshToken | null) => RotationPlan): Promise<RotationPlan> {
    const token = this.store.refreshTokens.get(tokenHash);
    const session = token && this.store.sessions.get(token.sessionId);
    const user = session && this.store.users.get(session.userId);
    const found = token && session && user
      ? { sessionId: session.id, userId: session.userId, username: user.username, usedAt: token.usedAt && date(token.usedAt), revokedAt: session.revokedAt && date(session.revokedAt), expiresAt: date(session.expiresAt) }
      : null;
    const plan = decide(found);
    if (plan.next && token && session) {
      // The first use is kept: the reuse grace counts from it.
      token.usedAt ??= date(plan.next.at);
      this.store.refreshTokens.set(plan.next.tokenHash, { sessionId: session.id, usedAt: null });
      session.expiresAt = date(plan.next.expiresAt);
    }
    if (plan.end && session) {
      if (!session.revokedAt) Object.assign(session, { revokedAt: date(plan.end.at), revokedReason: 'refresh_token_reuse' });
      this.store.events.push(plan.end.event);
    }
    return plan;
  }

  async sessionOfToken(tokenHash: string) {
    const token = this.store.refreshTokens.get(tokenHash);
    const session = token && this.store.sessions.get(token.sessionId);
    return session ? { sessionId: session.id, userId: session.userId } : null;
  }

  async end(userId: string, which: { sessionIds?: string[]; keepSessionId?: string }, reason: SessionEndReason, at: Date, event: (ended: string[]) => DomainEvent | null) {
    const ended = this.endLive(uuid(userId), which, reason, at);
    const e = event(ended);
    if (e) this.store.events.push(e);
    return ended;
  }

  async changePassword(userId: string, passwordHash: string, keepSessionId: string | undefined, at: Date, event: DomainEvent) {
    const user = this.store.users.get(uuid(userId));
    if (!user) throw new UserNotFoundError();
    user.passwordHash = passwordHash;
    this.endLive(user.id, keepSessionId ? { keepSessionId } : {}, 'password_changed', at);
    this.store.events.push(event);
  }

  private endLive(userId: string, which: { sessionIds?: string[]; keepSessionId?: string }, reason: SessionEndReason, at: Date): string[] {
    const ended: string[] = [];
    const listed = which.sessionIds?.map(uuid);
    const keep = which.keepSessionId ? uuid(which.keepSessionId) : undefined;
    for (const session of this.store.sessions.values()) {
      if (session.userId !== userId || session.revokedAt) continue;
      if (listed ? !listed.includes(session.id) : session.id === keep) continue;
      Object.assign(session, { revokedAt: date(at), revokedReason: reason });
      ended.push(session.id);
    }
    return ended;
  }
}

export class MemoryLoginFailures implements LoginFailures {
  readonly rows = new Map<string, { failures: number; lockedUntil: Date | null }>();
  async lockedUntil(key: string) {
    const lockedUntil = this.rows.get(key)?.lockedUntil;
    return lockedUntil ? date(lockedUntil) : null;
  }
  /** A lock asked for as 0 ms keeps an earlier one. */
  async recordFailure(key: string, at: Date, lockFor: (failures: number) => number) {
    const failures = (this.rows.get(key)?.failures ?? 0) + 1;
    const ms = lockFor(failures);
    this.rows.set(key, { failures, lockedUntil: ms > 0 ? new Date(at.getTime() + ms) : (this.rows.get(key)?.lockedUntil ?? null) });
    return failures;
  }
  async clear(key: string) {
    this.rows.delete(key);
  }
}
