import type { MuteEntry, MuteKind, ProjectionStore } from '../domain/ports.js';
import type { ProjectionChange } from '../domain/plan.js';
import { tables, type Db, type NotificationPrisma, type Tables } from './prisma-client.js';
import { pgText, uuidArray } from './pg-safe.js';

/**
 * This service's copies of users and the follow graph, fed by events, and the mutes people set
 * here. Every projection write is conditional on `as_of`, so a redelivered or late event never
 * overwrites newer state; an unfollow keeps its row (active = false) for the same reason.
 */
export class PrismaProjectionStore implements ProjectionStore {
  private readonly t: Tables;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
  ) {
    this.t = tables(schema);
  }

  async applyChanges(changes: readonly ProjectionChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.prisma.$transaction(async (tx) => {
      for (const change of changes) await this.apply(tx, change);
    });
  }

  private async apply(db: Db, change: ProjectionChange): Promise<void> {
    if (change.kind === 'user.upserted') {
      const u = change.user;
      await db.$executeRaw`
        INSERT INTO ${this.t.users} AS cur (id, username, display_name, email, phone, locale, timezone, as_of)
        VALUES (${u.id}::uuid, ${pgText(u.username)}, ${pgText(u.displayName)}, ${pgText(u.email)}, ${pgText(u.phone)},
                ${pgText(u.locale)}, ${pgText(u.timezone)}, ${change.asOf}::timestamptz)
        ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, display_name = EXCLUDED.display_name,
          email = EXCLUDED.email, phone = EXCLUDED.phone, locale = EXCLUDED.locale, timezone = EXCLUDED.timezone, as_of = EXCLUDED.as_of
        WHERE cur.as_of < EXCLUDED.as_of`;
      return;
    }
    const active = change.kind === 'follow.added';
    await db.$executeRaw`
      INSERT INTO ${this.t.follows} AS cur (followee_id, follower_id, active, as_of)
      VALUES (${change.followeeId}::uuid, ${change.followerId}::uuid, ${active}, ${change.asOf}::timestamptz)
      ON CONFLICT (followee_id, follower_id) DO UPDATE SET active = EXCLUDED.active, as_of = EXCLUDED.as_of
      WHERE cur.as_of < EXCLUDED.as_of`;
  }

  async followersPage(userId: string, after: string | null, limit: number): Promise<string[]> {
    const rows = await this.prisma.follow.findMany({
      where: { followeeId: userId, active: true, ...(after ? { followerId: { gt: after } } : {}) },
      orderBy: { followerId: 'asc' },
      take: limit,
      select: { followerId: true },
    });
    return rows.map((r) => r.followerId);
  }

  async mutedBy(recipientIds: readonly string[], actorId: string): Promise<Set<string>> {
    if (recipientIds.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<{ user_id: string }[]>`
      SELECT user_id FROM ${this.t.mutes} WHERE muted_user_id = ${actorId}::uuid AND user_id = ANY(${uuidArray(recipientIds)})`;
    return new Set(rows.map((r) => r.user_id));
  }

  async mute(userId: string, mutedUserId: string, kind: MuteKind, at: Date): Promise<void> {
    await this.prisma.mute.upsert({
      where: { userId_mutedUserId: { userId, mutedUserId } },
      create: { userId, mutedUserId, kind, createdAt: at },
      update: { kind },
    });
  }

  async unmute(userId: string, mutedUserId: string): Promise<void> {
    await this.prisma.mute.deleteMany({ where: { userId, mutedUserId } });
  }

  async mutes(userId: string): Promise<MuteEntry[]> {
    const rows = await this.prisma.mute.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { mutedUserId: 'asc' }] });
    return rows.map((r) => ({ userId: r.mutedUserId, kind: r.kind as MuteKind, createdAt: r.createdAt.toISOString() }));
  }
}
