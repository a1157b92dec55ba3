import type { MuteEntry, MuteKind, ProjectedUser, ProjectionStore } from '../domain/ports.js';
import { PROFILE_FIELDS, type ProjectionChange, type UserProfileChanges } from '../domain/plan.js';
import { Prisma } from '../generated/prisma/client.js';
import { tables, type Db, type NotificationPrisma, type Tables } from './prisma-client.js';
import { pgArray, pgText, uuidArray } from './pg-safe.js';
import { PreparedRead, qualified, type Queryable } from './pg-prepared.js';

type ProfileField = (typeof PROFILE_FIELDS)[number];

/** The users column of each profile field; its ordering column is `<column>_as_of`. */
const COLUMN: Record<ProfileField, string> = {
  username: 'username',
  displayName: 'display_name',
  email: 'email',
  phone: 'phone',
  locale: 'locale',
  timezone: 'timezone',
};
const column = (field: ProfileField) => Prisma.raw(`"${COLUMN[field]}"`);
const columnAsOf = (field: ProfileField) => Prisma.raw(`"${COLUMN[field]}_as_of"`);
/** The field is in this event (its as_of is set) and newer than what the row holds for it. */
const newer = (field: ProfileField) =>
  Prisma.sql`(EXCLUDED.${columnAsOf(field)} IS NOT NULL AND (cur.${columnAsOf(field)} IS NULL OR cur.${columnAsOf(field)} < EXCLUDED.${columnAsOf(field)}))`;

/**
 * This service's copies of users, the follow graph and the blocks, fed by events, and the mutes
 * people set here (a projected block shows there as kind `block`). Every projection write is conditional on `as_of`, so a redelivered or late event never
 * overwrites newer state; an unfollow keeps its row (active = false) for the same reason. A user's
 * profile is ordered per field (`<column>_as_of`), because user.updated carries only what changed.
 */
export class PrismaProjectionStore implements ProjectionStore {
  private readonly t: Tables;
  /** The decide step of every event reads these: prepared statements (pg-prepared.ts). */
  private readonly reads: ReturnType<typeof unreachableReads>;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
    private readonly pool: Queryable,
  ) {
    this.t = tables(schema);
    this.reads = unreachableReads(schema);
  }

  async applyChanges(changes: readonly ProjectionChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.prisma.$transaction(async (tx) => {
      for (const change of changes) await this.apply(tx, change);
    });
  }

  private async apply(db: Db, change: ProjectionChange): Promise<void> {
    if (change.kind === 'user.upserted') {
      const { id, ...fields } = change.user;
      return this.applyProfile(db, id, fields, change.asOf);
    }
    if (change.kind === 'user.updated') return this.applyProfile(db, change.userId, change.changes, change.asOf);
    if (change.kind === 'block.added' || change.kind === 'block.removed') return this.applyBlock(db, change);
    const active = change.kind === 'follow.added';
    // An edge with a deleted account is never projected (its erasure removed the ones it had).
    await db.$executeRaw`
      INSERT INTO ${this.t.follows} AS cur (followee_id, follower_id, active, as_of)
      SELECT ${change.followeeId}::uuid, ${change.followerId}::uuid, ${active}, ${change.asOf}::timestamptz
      WHERE NOT EXISTS (
        SELECT 1 FROM ${this.t.users} WHERE id IN (${change.followeeId}::uuid, ${change.followerId}::uuid) AND deleted_at IS NOT NULL)
      ON CONFLICT (followee_id, follower_id) DO UPDATE SET active = EXCLUDED.active, as_of = EXCLUDED.as_of
      WHERE cur.as_of < EXCLUDED.as_of`;
  }

  /**
   * The pair's state first, only when this event is the newest (RETURNING says whether it was) and
   * never with a deleted account; then, in the same transaction and under that row's lock, the
   * blocker's mutes row: kind `block` on a block, removed on an unblock if it still is a `block`
   * (a `mute` the person set meanwhile through the mutes routes stays).
   */
  private async applyBlock(db: Db, change: Extract<ProjectionChange, { kind: 'block.added' | 'block.removed' }>): Promise<void> {
    const active = change.kind === 'block.added';
    const [blocker, blocked] = [Prisma.sql`${change.blockerId}::uuid`, Prisma.sql`${change.blockedId}::uuid`];
    const applied = await db.$queryRaw<{ active: boolean }[]>`
      INSERT INTO ${this.t.blocks} AS cur (user_id, blocked_user_id, active, as_of)
      SELECT ${blocker}, ${blocked}, ${active}, ${change.asOf}::timestamptz
      WHERE NOT EXISTS (SELECT 1 FROM ${this.t.users} WHERE id IN (${blocker}, ${blocked}) AND deleted_at IS NOT NULL)
      ON CONFLICT (user_id, blocked_user_id) DO UPDATE SET active = EXCLUDED.active, as_of = EXCLUDED.as_of
      WHERE cur.as_of < EXCLUDED.as_of
      RETURNING active`;
    if (applied.length === 0) return;
    if (active) {
      await db.$executeRaw`
        INSERT INTO ${this.t.mutes} (user_id, muted_user_id, kind, created_at) VALUES (${blocker}, ${blocked}, 'block', ${change.asOf}::timestamptz)
        ON CONFLICT (user_id, muted_user_id) DO UPDATE SET kind = 'block'`;
    } else {
      await db.$executeRaw`DELETE FROM ${this.t.mutes} WHERE user_id = ${blocker} AND muted_user_id = ${blocked} AND kind = 'block'`;
    }
  }

  /**
   * One statement: inserts the user with the fields this event carries (a user.updated that overtook
   * the user.registered makes a partial row), or sets each carried field whose stored value an older
   * event set. A row where nothing is newer is not written at all, and neither is a tombstone
   * (user.deleted is final, whatever the occurredAt of what arrives after it).
   */
  private async applyProfile(db: Db, userId: string, fields: UserProfileChanges, asOf: string): Promise<void> {
    const value = (f: ProfileField) => (fields[f] === undefined ? null : pgText(fields[f]));
    const at = (f: ProfileField) => (fields[f] === undefined ? null : asOf);
    const columns = PROFILE_FIELDS.flatMap((f) => [column(f), columnAsOf(f)]);
    const values = PROFILE_FIELDS.flatMap((f) => [Prisma.sql`${value(f)}::text`, Prisma.sql`${at(f)}::timestamptz`]);
    const sets = PROFILE_FIELDS.flatMap((f) => [
      Prisma.sql`${column(f)} = CASE WHEN ${newer(f)} THEN EXCLUDED.${column(f)} ELSE cur.${column(f)} END`,
      Prisma.sql`${columnAsOf(f)} = CASE WHEN ${newer(f)} THEN EXCLUDED.${columnAsOf(f)} ELSE cur.${columnAsOf(f)} END`,
    ]);
    await db.$executeRaw`
      INSERT INTO ${this.t.users} AS cur (id, ${Prisma.join(columns)}, as_of)
      VALUES (${userId}::uuid, ${Prisma.join(values)}, ${asOf}::timestamptz)
      ON CONFLICT (id) DO UPDATE SET ${Prisma.join(sets)}, as_of = GREATEST(cur.as_of, EXCLUDED.as_of)
      WHERE cur.deleted_at IS NULL AND (${Prisma.join(PROFILE_FIELDS.map(newer), ' OR ')})`;
  }

  async userProfile(userId: string): Promise<ProjectedUser | null> {
    const known = PROFILE_FIELDS.map((f) => Prisma.sql`${columnAsOf(f)} IS NOT NULL AS ${Prisma.raw(`"known_${f}"`)}`);
    const rows = await this.prisma.$queryRaw<Record<string, string | boolean | null>[]>`
      SELECT id, ${Prisma.join(PROFILE_FIELDS.map((f) => Prisma.sql`${column(f)} AS ${Prisma.raw(`"${f}"`)}`))}, ${Prisma.join(known)}
      FROM ${this.t.users} WHERE id = ${userId}::uuid`;
    const row = rows[0];
    if (!row) return null;
    const user: ProjectedUser = { id: row.id as string };
    for (const f of PROFILE_FIELDS) if (row[`known_${f}`]) Object.assign(user, { [f]: row[f] });
    return user;
  }

  async knownUsers(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM ${this.t.users} WHERE id = ANY(${[...userIds]}::uuid[]) AND username IS NOT NULL`;
    return new Set(rows.map((r) => r.id));
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

  /** The tombstone arms use users_deleted_idx, which holds deleted accounts only. */
  async unreachable(recipientIds: readonly string[], actorId?: string): Promise<Set<string>> {
    if (recipientIds.length === 0) return new Set();
    const ids = pgArray(recipientIds);
    const rows = actorId ? await this.reads.byActor.rows(this.pool, [ids, actorId]) : await this.reads.deleted.rows(this.pool, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async unreachableMany(groups: readonly { recipientIds: readonly string[]; actorId?: string }[]): Promise<Set<string>[]> {
    if (groups.length === 1) return [await this.unreachable(groups[0]!.recipientIds, groups[0]!.actorId)];
    const index: number[] = [];
    const recipients: string[] = [];
    const actors: (string | null)[] = [];
    groups.forEach((g, i) => {
      for (const r of g.recipientIds) index.push(i), recipients.push(r), actors.push(g.actorId ?? null);
    });
    const out = groups.map(() => new Set<string>());
    if (recipients.length === 0) return out;
    const rows = await this.reads.many.rows(this.pool, [pgArray(index), pgArray(recipients), pgArray(actors)]);
    for (const row of rows) out[row.i]!.add(row.r);
    return out;
  }

  async mute(userId: string, mutedUserId: string, kind: MuteKind, at: Date): Promise<void> {
    await this.prisma.mute.upsert({
      where: { userId_mutedUserId: { userId, mutedUserId } },
      create: { userId, mutedUserId, kind, createdAt: at },
      update: { kind },
    });
  }

  /** The block of a user.blocked stays until its user.unblocked (ports.ts). */
  async unmute(userId: string, mutedUserId: string): Promise<void> {
    await this.prisma.$executeRaw`
      DELETE FROM ${this.t.mutes} m WHERE m.user_id = ${userId}::uuid AND m.muted_user_id = ${mutedUserId}::uuid
        AND NOT EXISTS (SELECT 1 FROM ${this.t.blocks} b WHERE b.user_id = m.user_id AND b.blocked_user_id = m.muted_user_id AND b.active)`;
  }

  async mutes(userId: string): Promise<MuteEntry[]> {
    const rows = await this.prisma.mute.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { mutedUserId: 'asc' }] });
    return rows.map((r) => ({ userId: r.mutedUserId, kind: r.kind as MuteKind, createdAt: r.createdAt.toISOString() }));
  }
}

/** Who of a list cannot get an actor's notification: muted or blocked it, or either account is gone. */
function unreachableReads(schema: string) {
  const users = qualified(schema, 'users');
  const mutes = qualified(schema, 'mutes');
  const deleted = `SELECT id FROM ${users} WHERE deleted_at IS NOT NULL AND id = ANY($1::uuid[])`;
  return {
    deleted: new PreparedRead<{ id: string }>(deleted),
    byActor: new PreparedRead<{ id: string }>(`
      SELECT user_id AS id FROM ${mutes} WHERE muted_user_id = $2::uuid AND user_id = ANY($1::uuid[])
      UNION
      SELECT r FROM unnest($1::uuid[]) AS r WHERE EXISTS (SELECT 1 FROM ${users} WHERE id = $2::uuid AND deleted_at IS NOT NULL)
      UNION
      ${deleted}`),
    // One row per (group, recipient): the same three reasons as unreachable(), probed by key.
    many: new PreparedRead<{ i: number; r: string }>(`
      SELECT p.i, p.r FROM unnest($1::int[], $2::uuid[], $3::uuid[]) AS p(i, r, a)
      WHERE EXISTS (SELECT 1 FROM ${users} u WHERE u.id = p.r AND u.deleted_at IS NOT NULL)
        OR (p.a IS NOT NULL AND (
          EXISTS (SELECT 1 FROM ${mutes} m WHERE m.user_id = p.r AND m.muted_user_id = p.a)
          OR EXISTS (SELECT 1 FROM ${users} u WHERE u.id = p.a AND u.deleted_at IS NOT NULL)))`),
  };
}
