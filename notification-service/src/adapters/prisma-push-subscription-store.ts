import { MAX_PUSH_SUBSCRIPTIONS_PER_USER, type PushSubscription, type PushSubscriptionKeys, type PushSubscriptionStore } from '../domain/push.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Db, NotificationPrisma } from './prisma-client.js';
import { uuidArray } from './pg-safe.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema-qualified subscriptions table, for raw SQL (as prisma-client.ts `tables`). */
export function pushTables(schema: string) {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  return { subscriptions: Prisma.raw(`"${schema}"."push_subscriptions"`) };
}

export type PushTables = ReturnType<typeof pushTables>;

/**
 * The ids, among `userIds`, of people with at least one subscription: the timer sweep's address
 * lookup for the push channel (one index probe per person on push_subscriptions_user_idx).
 */
export async function usersWithPushSubscriptions(db: Db, t: PushTables, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.$queryRaw<{ user_id: string }[]>`
    SELECT u.id AS user_id FROM unnest(${uuidArray(new Set(userIds))}) AS u(id)
    WHERE EXISTS (SELECT 1 FROM ${t.subscriptions} s WHERE s.user_id = u.id)`;
  return new Set(rows.map((r) => r.user_id));
}

interface Row {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: Date;
}

const fromRow = (r: Row): PushSubscription => ({
  id: r.id,
  userId: r.user_id,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  createdAt: r.created_at.toISOString(),
});

/** Web Push subscriptions on PostgreSQL (migration 20261211150000_push_subscriptions). */
export class PrismaPushSubscriptionStore implements PushSubscriptionStore {
  private readonly t: PushTables;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
  ) {
    this.t = pushTables(schema);
  }

  async save(userId: string, keys: PushSubscriptionKeys, newId: string): Promise<{ id: string; created: boolean }> {
    const { subscriptions } = this.t;
    return this.prisma.$transaction(async (tx) => {
      // Same person: same row, keys refreshed. Someone else: the row becomes theirs under a new id
      // (the old id, which the previous owner may still hold, no longer names it).
      const [saved] = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO ${subscriptions} AS cur (id, user_id, endpoint, p256dh, auth)
        VALUES (${newId}::uuid, ${userId}::uuid, ${keys.endpoint}, ${keys.p256dh}, ${keys.auth})
        ON CONFLICT (endpoint) DO UPDATE SET
          id = CASE WHEN cur.user_id = EXCLUDED.user_id THEN cur.id ELSE EXCLUDED.id END,
          created_at = CASE WHEN cur.user_id = EXCLUDED.user_id THEN cur.created_at ELSE now() END,
          user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, updated_at = now()
        RETURNING id`;
      // At most MAX per person: the oldest go first (most likely a browser that is gone).
      await tx.$executeRaw`
        DELETE FROM ${subscriptions} WHERE id IN (
          SELECT id FROM ${subscriptions} WHERE user_id = ${userId}::uuid
          ORDER BY created_at DESC, id DESC OFFSET ${MAX_PUSH_SUBSCRIPTIONS_PER_USER})`;
      return { id: saved!.id, created: saved!.id === newId };
    });
  }

  async forUser(userId: string): Promise<PushSubscription[]> {
    const rows = await this.prisma.$queryRaw<Row[]>`
      SELECT id, user_id, endpoint, p256dh, auth, created_at FROM ${this.t.subscriptions}
      WHERE user_id = ${userId}::uuid ORDER BY created_at, id`;
    return rows.map(fromRow);
  }

  async remove(userId: string, id: string): Promise<boolean> {
    const n = await this.prisma.$executeRaw`DELETE FROM ${this.t.subscriptions} WHERE id = ${id}::uuid AND user_id = ${userId}::uuid`;
    return n > 0;
  }

  async removeGone(s: Pick<PushSubscription, 'id' | 'p256dh' | 'auth'>): Promise<boolean> {
    const n = await this.prisma.$executeRaw`DELETE FROM ${this.t.subscriptions} WHERE id = ${s.id}::uuid AND p256dh = ${s.p256dh} AND auth = ${s.auth}`;
    return n > 0;
  }
}
