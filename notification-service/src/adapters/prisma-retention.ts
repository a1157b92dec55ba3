import type { RetentionTask } from '@herald/platform';
import { tables, type NotificationPrisma } from './prisma-client.js';
import { webhookTables } from './prisma-webhook-store.js';

const DAY_MS = 24 * 3_600_000;

/** How long notification-service keeps what it no longer needs (README.md "Configuration", docs/operations.md "Retention"). */
export interface NotificationRetentionSettings {
  /** Delivery receipts (the (event, recipient) idempotency keys): a redelivery older than this is no longer recognised. */
  receiptsDays: number;
  /** Send-API idempotency records: the same idempotencyKey is answered from its record this long. */
  sendRequestsDays: number;
  /** Every try of a delivery against a provider. */
  deliveryAttemptsDays: number;
  /** Read (or superseded, or fallback-only) notifications, with their deliveries. */
  readNotificationsDays: number;
  /** Status webhook messages that were delivered or finally failed. */
  webhookDeliveriesDays: number;
}

/**
 * The smallest UUIDv7 of an instant: every id minted at or after it sorts at or above it
 * (48-bit millisecond timestamp, every other bit zero).
 */
export function uuidv7Floor(at: Date): string {
  const hex = Math.max(0, Math.floor(at.getTime())).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/**
 * The retention tasks on PostgreSQL. Every batch picks its rows `FOR UPDATE SKIP LOCKED` (so
 * instances running the job at once split the work and never wait on each other, nor on a fan-out
 * or a worker holding a row) and deletes them in the same statement.
 *
 * Notifications: only what nobody will look at again goes, older than the cut-off: read items,
 * superseded ones (their successor is newer, so it is still there or goes in the same run), and
 * fallback-only ones (never listed), in each case with no timer still set. Their deliveries go with
 * them (ON DELETE CASCADE). They are found through the primary key: ids are UUIDv7, so "created
 * before the cut-off" is an id range, walked in id order with a cursor kept across the batches of
 * one run. Unread items are kept, whatever their age.
 */
export function notificationRetentionTasks(prisma: NotificationPrisma, schema: string, settings: NotificationRetentionSettings): RetentionTask[] {
  const t = tables(schema);
  const w = webhookTables(schema);
  const before = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
  // The notifications walk: where the previous batch of this run stopped.
  let walk: { run: number; after: string } | undefined;

  return [
    {
      name: 'receipts',
      deleteBatch: (now, limit) => prisma.$executeRaw`
        DELETE FROM ${t.receipts} WHERE (event_id, recipient_id) IN (
          SELECT event_id, recipient_id FROM ${t.receipts} WHERE created_at < ${before(now, settings.receiptsDays)}
          LIMIT ${limit} FOR UPDATE SKIP LOCKED)`,
    },
    {
      name: 'send_requests',
      deleteBatch: (now, limit) => prisma.$executeRaw`
        DELETE FROM ${t.sendRequests} WHERE (sender_id, idempotency_key) IN (
          SELECT sender_id, idempotency_key FROM ${t.sendRequests} WHERE created_at < ${before(now, settings.sendRequestsDays)}
          LIMIT ${limit} FOR UPDATE SKIP LOCKED)`,
    },
    {
      name: 'delivery_attempts',
      deleteBatch: (now, limit) => prisma.$executeRaw`
        DELETE FROM ${t.attempts} WHERE id IN (
          SELECT id FROM ${t.attempts} WHERE created_at < ${before(now, settings.deliveryAttemptsDays)}
          LIMIT ${limit} FOR UPDATE SKIP LOCKED)`,
    },
    {
      name: 'notifications',
      deleteBatch: async (now, limit) => {
        const cutoff = before(now, settings.readNotificationsDays);
        if (walk?.run !== now.getTime()) walk = { run: now.getTime(), after: '00000000-0000-0000-0000-000000000000' };
        const rows = await prisma.$queryRaw<{ id: string }[]>`
          WITH doomed AS (
            SELECT id FROM ${t.notifications}
            WHERE id > ${walk.after}::uuid AND id < ${uuidv7Floor(cutoff)}::uuid AND created_at < ${cutoff}
              AND fallback_at IS NULL AND (read_at IS NOT NULL OR superseded_by IS NOT NULL OR NOT in_inbox)
            ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
          DELETE FROM ${t.notifications} n USING doomed WHERE n.id = doomed.id
          RETURNING n.id`;
        for (const { id } of rows) if (id > walk.after) walk.after = id;
        return rows.length;
      },
    },
    {
      name: 'webhook_deliveries',
      deleteBatch: (now, limit) => prisma.$executeRaw`
        DELETE FROM ${w.messages} WHERE id IN (
          SELECT id FROM ${w.messages} WHERE created_at < ${before(now, settings.webhookDeliveriesDays)} AND status IN ('delivered', 'failed')
          LIMIT ${limit} FOR UPDATE SKIP LOCKED)`,
    },
  ];
}
