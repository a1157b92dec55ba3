import type { DomainEvent } from '@herald/contracts';
import { EmailTakenError, UserNotFoundError, UsernameTakenError } from '../domain/errors.js';
import type { BouncedAddressKind, FollowDirection, FollowEdge, FollowPageEntry, FollowRepository, NewUser, ProfileWrite, UserRepository } from '../domain/ports.js';
import { emailKey, usernameKey } from '../domain/rules.js';
import type { User } from '../domain/user.js';

/**
 * In-memory fakes of the two repositories, sharing one store so follow counters and pages behave
 * like the database. `events` plays the outbox: what a committed change would have published.
 */
export class MemoryStore {
  readonly users = new Map<string, User>();
  readonly edges: FollowEdge[] = [];
  readonly events: DomainEvent[] = [];
}

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
    this.assertFree(input.id, { username: input.username, email: input.email });
    const user: User = { ...input, followersCount: 0, followingCount: 0, updatedAt: input.createdAt, emailBouncedAt: null, phoneBouncedAt: null };
    this.store.users.set(user.id, user);
    this.store.events.push(event);
    return copy(user);
  }

  async findById(id: string) {
    const user = this.store.users.get(id);
    return user ? copy(user) : null;
  }

  async findByUsername(username: string) {
    return this.find((u) => usernameKey(u.username) === usernameKey(username));
  }

  async findByEmail(email: string) {
    return this.find((u) => emailKey(u.email) === emailKey(email));
  }

  async updateProfile(id: string, decide: (current: User) => ProfileWrite | null): Promise<User> {
    const user = this.store.users.get(id);
    if (!user) throw new UserNotFoundError();
    const write = decide(copy(user));
    if (!write) return copy(user);
    if (write.set.email !== undefined) this.assertFree(id, { email: write.set.email });
    Object.assign(user, write.set, { updatedAt: write.updatedAt });
    if (write.clearEmailBounce) user.emailBouncedAt = null;
    if (write.clearPhoneBounce) user.phoneBouncedAt = null;
    this.store.events.push(write.event);
    return copy(user);
  }

  async markAddressBounced(id: string, kind: BouncedAddressKind, address: string, at: Date): Promise<boolean> {
    const user = this.store.users.get(id);
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

  async updatePasswordHash(id: string, passwordHash: string) {
    const user = this.store.users.get(id);
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

  private assertFree(selfId: string, keys: { username?: string; email?: string }) {
    for (const other of this.store.users.values()) {
      if (other.id === selfId) continue;
      if (keys.username !== undefined && usernameKey(other.username) === usernameKey(keys.username)) throw new UsernameTakenError();
      if (keys.email !== undefined && emailKey(other.email) === emailKey(keys.email)) throw new EmailTakenError();
    }
  }
}

export class MemoryFollowRepository implements FollowRepository {
  constructor(private readonly store: MemoryStore) {}

  async follow(edge: FollowEdge, event: DomainEvent): Promise<boolean> {
    const follower = this.store.users.get(edge.followerId);
    const followee = this.store.users.get(edge.followeeId);
    if (!follower || !followee) throw new UserNotFoundError();
    if (this.indexOf(edge.followerId, edge.followeeId) >= 0) return false;
    this.store.edges.push({ ...edge });
    follower.followingCount++;
    followee.followersCount++;
    this.store.events.push(event);
    return true;
  }

  async unfollow(followerId: string, followeeId: string, event: DomainEvent): Promise<boolean> {
    const at = this.indexOf(followerId, followeeId);
    if (at < 0) return false;
    this.store.edges.splice(at, 1);
    this.store.users.get(followerId)!.followingCount--;
    this.store.users.get(followeeId)!.followersCount--;
    this.store.events.push(event);
    return true;
  }

  async page(userId: string, direction: FollowDirection, opts: { beforeEdgeId?: string; limit: number }): Promise<FollowPageEntry[]> {
    const mine = (e: FollowEdge) => (direction === 'followers' ? e.followeeId : e.followerId) === userId;
    const other = (e: FollowEdge) => (direction === 'followers' ? e.followerId : e.followeeId);
    return this.store.edges
      .filter((e) => mine(e) && (opts.beforeEdgeId === undefined || e.id < opts.beforeEdgeId))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, opts.limit)
      .map((e) => ({ edgeId: e.id, followedAt: new Date(e.createdAt), user: copy(this.store.users.get(other(e))!) }));
  }

  private indexOf(followerId: string, followeeId: string) {
    return this.store.edges.findIndex((e) => e.followerId === followerId && e.followeeId === followeeId);
  }
}
