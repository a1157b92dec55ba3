import type { UserErasure } from '../domain/ports.js';
import { PROFILE_FIELDS } from '../domain/plan.js';
import { Prisma } from '../generated/prisma/client.js';
import { tables, type NotificationPrisma, type Tables } from './prisma-client.js';
import { webhookTables, type WebhookTables } from './prisma-webhook-store.js';
import { pushTables } from './prisma-push-subscription-store.js';

const column = (field: (typeof PROFILE_FIELDS)[number]) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * user.deleted on PostgreSQL: one transaction, tombstone first. Its row lock (taken by the upsert)
 * comes before every delete, and every statement is keyed by the person's id on an index (the
 * primary keys, the inbox's in their partition, follows_follower_idx, the mutes index,
 * blocks_blocked_user_idx), except receipts and dead letters, which are scanned (receipts are kept RETENTION_RECEIPTS_DAYS, dead
 * letters are few). Deliveries are deleted with their notifications (explicitly: no foreign key,
 * docs/notification-service.md "Partitioning"), and with them every pending timer, digest row and
 * queued send: a worker holding one finds it gone.
 */
export class PrismaUserErasure implements UserErasure {
  private readonly t: Tables;
  private readonly w: WebhookTables;

  constructor(
    private readonly prisma: NotificationPrisma,
    private readonly schema: string,
  ) {
    this.t = tables(schema);
    this.w = webhookTables(schema);
  }

  async eraseUser(userId: string, deletedAt: Date): Promise<Record<string, number>> {
    const { t, w, schema } = this;
    const id = Prisma.sql`${userId}::uuid`;
    const blank = PROFILE_FIELDS.flatMap((f) => [Prisma.raw(`"${column(f)}" = NULL`), Prisma.raw(`"${column(f)}_as_of" = NULL`)]);
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO ${t.users} AS cur (id, as_of, deleted_at) VALUES (${id}, ${deletedAt}, ${deletedAt})
        ON CONFLICT (id) DO UPDATE SET ${Prisma.join(blank)},
          as_of = GREATEST(cur.as_of, EXCLUDED.as_of), deleted_at = COALESCE(cur.deleted_at, EXCLUDED.deleted_at)`;
      // Their items: one range of the inbox's primary key (recipient_id, id), in their partition.
      // Locked first: a timer sweep holding one of them (claimed, writing its delivery rows) is
      // waited for, and none can claim them afterwards (the sweep skips locked rows), so the
      // deliveries deleted next are all there will be.
      const theirs = Prisma.sql`SELECT id FROM ${t.notifications} WHERE recipient_id = ${id}`;
      await tx.$queryRaw`SELECT count(*)::int AS n FROM (${theirs} FOR UPDATE) AS locked`;
      const attempts = await tx.$executeRaw`DELETE FROM ${t.attempts} WHERE notification_id IN (${theirs})`;
      const deliveries = await tx.$executeRaw`DELETE FROM ${t.deliveries} WHERE notification_id IN (${theirs})`;
      const notifications = await tx.$executeRaw`DELETE FROM ${t.notifications} WHERE recipient_id = ${id}`;
      const receipts = await tx.$executeRaw`DELETE FROM ${t.receipts} WHERE recipient_id = ${id}`;
      const streams = await tx.$executeRaw`DELETE FROM ${t.streams} WHERE user_id = ${id}`;
      const deadLetters = await tx.$executeRaw`DELETE FROM ${t.deadLetters} WHERE recipient_id = ${id}`;
      // Their digests (with the address each went to), the attempts of each, and the run keys.
      const digests = Prisma.raw(`"${schema}"."digests"`);
      await tx.$executeRaw`DELETE FROM ${t.attempts} WHERE notification_id IN (SELECT id FROM ${digests} WHERE recipient_id = ${id})`;
      await tx.$executeRaw`DELETE FROM ${digests} WHERE recipient_id = ${id}`;
      await tx.$executeRaw`DELETE FROM ${Prisma.raw(`"${schema}"."digest_runs"`)} WHERE recipient_id = ${id}`;
      const preferences = await tx.$executeRaw`DELETE FROM ${t.preferences} WHERE user_id = ${id}`;
      const mutes = await tx.$executeRaw`DELETE FROM ${t.mutes} WHERE user_id = ${id} OR muted_user_id = ${id}`;
      const blocks = await tx.$executeRaw`DELETE FROM ${this.t.blocks} WHERE user_id = ${id} OR blocked_user_id = ${id}`;
      const undeliverable = await tx.$executeRaw`DELETE FROM ${t.undeliverable} WHERE user_id = ${id}`;
      const follows = await tx.$executeRaw`DELETE FROM ${t.follows} WHERE followee_id = ${id} OR follower_id = ${id}`;
      // Endpoints registered with their token (owner = their id); webhook messages owed to them cascade.
      const webhookEndpoints = await tx.$executeRaw`DELETE FROM ${w.endpoints} WHERE owner_id = ${id}`;
      const sendRequests = await tx.$executeRaw`DELETE FROM ${t.sendRequests} WHERE sender_id = ${id}`;
      // Their browsers' Web Push subscriptions (push_subscriptions_user_idx).
      const pushSubscriptions = await tx.$executeRaw`DELETE FROM ${pushTables(schema).subscriptions} WHERE user_id = ${id}`;
      return { notifications, deliveries, attempts, receipts, streams, deadLetters, preferences, mutes, blocks, undeliverable, follows, webhookEndpoints, sendRequests, pushSubscriptions };
    });
  }
}
