import { PROFILE_FIELDS, type ProjectionChange, type UserProfileChanges } from '../domain/plan.js';
import type { MuteEntry, MuteKind, ProjectedUser, ProjectionStore } from '../domain/ports.js';

type ProfileField = (typeof PROFILE_FIELDS)[number];

/** A projected user: each field with the asOf (ms) of the event that set it; absent = never set. */
interface UserEntry {
  fields: UserProfileChanges;
  asOf: Partial<Record<ProfileField, number>>;
}

/** Users, follows and mutes in memory, with the same `asOf` rules as the Prisma store (per field for users). */
export class MemoryProjectionStore implements ProjectionStore {
  private readonly users = new Map<string, UserEntry>();
  private readonly follows = new Map<string, { followeeId: string; followerId: string; active: boolean; asOf: number }>();
  private readonly muted = new Map<string, { userId: string; mutedUserId: string; kind: MuteKind; createdAt: string }>();
  /** user.blocked / user.unblocked per `${blocker}|${blocked}`: the newest state, like follows. */
  private readonly blocks = new Map<string, { active: boolean; asOf: number }>();
  /** Tombstones (user.deleted): id → deletedAt (ms). Final: no event writes to these ids again. */
  private readonly deleted = new Map<string, number>();

  isDeleted(id: string): boolean {
    return this.deleted.has(id.toLowerCase());
  }

  /** user.deleted (MemoryUserErasure): the tombstone, then follows and mutes in both directions. */
  eraseUser(userId: string, deletedAt: Date): Record<string, number> {
    const id = userId.toLowerCase();
    if (!this.deleted.has(id)) this.deleted.set(id, deletedAt.getTime());
    this.users.set(id, { fields: {}, asOf: {} });
    let follows = 0;
    for (const [key, f] of this.follows) {
      if (f.followeeId !== id && f.followerId !== id) continue;
      this.follows.delete(key);
      follows++;
    }
    let mutes = 0;
    for (const [key, m] of this.muted) {
      if (m.userId !== id && m.mutedUserId !== id) continue;
      this.muted.delete(key);
      mutes++;
    }
    let blocks = 0;
    for (const key of [...this.blocks.keys()]) {
      if (!key.split('|').includes(id)) continue;
      this.blocks.delete(key);
      blocks++;
    }
    return { follows, mutes, blocks };
  }

  user(id: string): ProjectedUser | undefined {
    const key = id.toLowerCase();
    const entry = this.users.get(key);
    return entry ? { id: key, ...entry.fields } : undefined;
  }

  async userProfile(userId: string): Promise<ProjectedUser | null> {
    return this.user(userId) ?? null;
  }

  async knownUsers(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => this.user(id)?.username !== undefined));
  }

  async applyChanges(changes: readonly ProjectionChange[]): Promise<void> {
    for (const change of changes) {
      const asOf = Date.parse(change.asOf);
      if (change.kind === 'user.upserted') {
        const { id, ...fields } = change.user;
        this.applyProfile(id, fields, asOf);
        continue;
      }
      if (change.kind === 'user.updated') {
        this.applyProfile(change.userId, change.changes, asOf);
        continue;
      }
      if (change.kind === 'block.added' || change.kind === 'block.removed') {
        this.applyBlock(change.blockerId.toLowerCase(), change.blockedId.toLowerCase(), change.kind === 'block.added', asOf);
        continue;
      }
      const followeeId = change.followeeId.toLowerCase();
      const followerId = change.followerId.toLowerCase();
      if (this.deleted.has(followeeId) || this.deleted.has(followerId)) continue;
      const key = `${followeeId}|${followerId}`;
      const current = this.follows.get(key);
      if (!current || current.asOf < asOf) this.follows.set(key, { followeeId, followerId, active: change.kind === 'follow.added', asOf });
    }
  }

  /** As the Prisma store: the newest state of the pair, then the blocker's `block` mute entry. */
  private applyBlock(blocker: string, blocked: string, active: boolean, asOf: number): void {
    if (this.deleted.has(blocker) || this.deleted.has(blocked)) return;
    const key = `${blocker}|${blocked}`;
    const current = this.blocks.get(key);
    if (current && current.asOf >= asOf) return;
    this.blocks.set(key, { active, asOf });
    const entry = this.muted.get(key);
    if (active) this.muted.set(key, { userId: blocker, mutedUserId: blocked, kind: 'block', createdAt: entry?.createdAt ?? new Date(asOf).toISOString() });
    else if (entry?.kind === 'block') this.muted.delete(key);
  }

  /** Sets each given field whose stored value is older than `asOf` (or was never set). */
  private applyProfile(userId: string, fields: UserProfileChanges, asOf: number): void {
    const id = userId.toLowerCase();
    if (this.deleted.has(id)) return;
    const entry = this.users.get(id) ?? { fields: {}, asOf: {} };
    for (const field of PROFILE_FIELDS) {
      const value = fields[field];
      if (value === undefined) continue;
      const current = entry.asOf[field];
      if (current !== undefined && current >= asOf) continue;
      Object.assign(entry.fields, { [field]: value });
      entry.asOf[field] = asOf;
    }
    this.users.set(id, entry);
  }

  async followersPage(userId: string, after: string | null, limit: number): Promise<string[]> {
    const followee = userId.toLowerCase();
    return [...this.follows.values()]
      .filter((f) => f.followeeId === followee && f.active && (after === null || f.followerId > after.toLowerCase()))
      .map((f) => f.followerId)
      .sort()
      .slice(0, limit);
  }

  async mutedBy(recipientIds: readonly string[], actorId: string): Promise<Set<string>> {
    const actor = actorId.toLowerCase();
    return new Set(recipientIds.map((id) => id.toLowerCase()).filter((id) => this.muted.has(`${id}|${actor}`)));
  }

  async unreachable(recipientIds: readonly string[], actorId?: string): Promise<Set<string>> {
    const ids = recipientIds.map((id) => id.toLowerCase());
    if (actorId && this.deleted.has(actorId.toLowerCase())) return new Set(ids);
    const muted = actorId ? await this.mutedBy(ids, actorId) : new Set<string>();
    return new Set(ids.filter((id) => muted.has(id) || this.deleted.has(id)));
  }

  async unreachableMany(groups: readonly { recipientIds: readonly string[]; actorId?: string }[]): Promise<Set<string>[]> {
    return Promise.all(groups.map((g) => this.unreachable(g.recipientIds, g.actorId)));
  }

  async mute(userId: string, mutedUserId: string, kind: MuteKind, at: Date): Promise<void> {
    const key = `${userId.toLowerCase()}|${mutedUserId.toLowerCase()}`;
    const current = this.muted.get(key);
    this.muted.set(key, { userId: userId.toLowerCase(), mutedUserId: mutedUserId.toLowerCase(), kind, createdAt: current?.createdAt ?? at.toISOString() });
  }

  async unmute(userId: string, mutedUserId: string): Promise<void> {
    const key = `${userId.toLowerCase()}|${mutedUserId.toLowerCase()}`;
    if (this.blocks.get(key)?.active) return;
    this.muted.delete(key);
  }

  async mutes(userId: string): Promise<MuteEntry[]> {
    return [...this.muted.values()]
      .filter((m) => m.userId === userId.toLowerCase())
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.mutedUserId < b.mutedUserId ? -1 : 1) : a.createdAt < b.createdAt ? 1 : -1))
      .map((m) => ({ userId: m.mutedUserId, kind: m.kind, createdAt: m.createdAt }));
  }
}
