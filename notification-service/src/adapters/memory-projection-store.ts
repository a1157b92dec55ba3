import type { UserProfile, ProjectionChange } from '../domain/plan.js';
import type { MuteEntry, MuteKind, ProjectionStore } from '../domain/ports.js';

/** Users, follows and mutes in memory, with the same `asOf` rule as the Prisma store. */
export class MemoryProjectionStore implements ProjectionStore {
  private readonly users = new Map<string, { user: UserProfile; asOf: number }>();
  private readonly follows = new Map<string, { followeeId: string; followerId: string; active: boolean; asOf: number }>();
  private readonly muted = new Map<string, { userId: string; mutedUserId: string; kind: MuteKind; createdAt: string }>();

  user(id: string): UserProfile | undefined {
    return this.users.get(id.toLowerCase())?.user;
  }

  async applyChanges(changes: readonly ProjectionChange[]): Promise<void> {
    for (const change of changes) {
      const asOf = Date.parse(change.asOf);
      if (change.kind === 'user.upserted') {
        const id = change.user.id.toLowerCase();
        const current = this.users.get(id);
        if (!current || current.asOf < asOf) this.users.set(id, { user: { ...change.user, id }, asOf });
        continue;
      }
      const followeeId = change.followeeId.toLowerCase();
      const followerId = change.followerId.toLowerCase();
      const key = `${followeeId}|${followerId}`;
      const current = this.follows.get(key);
      if (!current || current.asOf < asOf) this.follows.set(key, { followeeId, followerId, active: change.kind === 'follow.added', asOf });
    }
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

  async mute(userId: string, mutedUserId: string, kind: MuteKind, at: Date): Promise<void> {
    const key = `${userId.toLowerCase()}|${mutedUserId.toLowerCase()}`;
    const current = this.muted.get(key);
    this.muted.set(key, { userId: userId.toLowerCase(), mutedUserId: mutedUserId.toLowerCase(), kind, createdAt: current?.createdAt ?? at.toISOString() });
  }

  async unmute(userId: string, mutedUserId: string): Promise<void> {
    this.muted.delete(`${userId.toLowerCase()}|${mutedUserId.toLowerCase()}`);
  }

  async mutes(userId: string): Promise<MuteEntry[]> {
    return [...this.muted.values()]
      .filter((m) => m.userId === userId.toLowerCase())
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.mutedUserId < b.mutedUserId ? -1 : 1) : a.createdAt < b.createdAt ? 1 : -1))
      .map((m) => ({ userId: m.mutedUserId, kind: m.kind, createdAt: m.createdAt }));
  }
}
