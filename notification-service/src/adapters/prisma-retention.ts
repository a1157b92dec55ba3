import type { RetentionTask } from '@herald/platform';
import { Prisma } from '../generated/prisma/client.js';
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
 * them, in the same statement (there is no foreign key to cascade: a check per delivery row
 * inserted into a partitioned table's key costs more than the insert). Unread items are kept, whatever their age. The table is partitioned by
 * recipient (docs/notification-service.md "Partitioning"), and a run deletes partition by
 * partition: each statement names one partition and deletes at most a batch from it, so no
 * statement locks or reads more than one partition, and the dead rows of a run pile up in one
 * partition at a time, whose autovacuum (tuned per partition) follows behind. Within a partition the
 * rows are found through notifications_retention_idx, which holds only read, superseded and
 * fallback-only items: ids are UUIDv7, so "created before the cut-off" is an id range, walked in id
 * order with a cursor kept across the batches of one run.
 */
export function notificationRetentionTasks(prisma: NotificationPrisma, schema: string, settings: NotificationRetentionSettings): RetentionTask[] {
  const t = tables(schema);
  const w = webhookTables(schema);
  const before = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
  // The notifications walk: the partitions, where this run started among them (`first`), how many
  // it has finished (`done`), and where the previous batch in the current one stopped.
  let walk: { run: number; partitions: Prisma.Sql[]; first: number; done: number; after: string } | undefined;

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
        if (walk?.run !== now.getTime()) {
          const partitions = await partitionsOf(prisma, schema);
          // A run cut short by its batch limit left partitions unvisited: the next run starts there,
          // so a backlog cannot keep the last partitions waiting.
          const first = walk && walk.done < walk.partitions.length ? (walk.first + walk.done) % partitions.length : 0;
          walk = { run: now.getTime(), partitions, first, done: 0, after: NIL_UUID };
        }
        // Up to `limit` rows, from as many partitions as it takes: a batch that found fewer means
        // the run is over (RetentionTask), so a partition running dry moves on to the next one.
        let deleted = 0;
        while (deleted < limit && walk.done < walk.partitions.length) {
          const partition = walk.partitions[(walk.first + walk.done) % walk.partitions.length]!;
          const want = limit - deleted;
          const rows = await prisma.$queryRaw<{ id: string }[]>`
            WITH doomed AS (
              SELECT recipient_id, id FROM ${partition}
              WHERE id > ${walk.after}::uuid AND id < ${uuidv7Floor(cutoff)}::uuid AND created_at < ${cutoff} AND fallback_at IS NULL
                AND (read_at IS NOT NULL OR superseded_by IS NOT NULL OR NOT in_inbox)
              ORDER BY id LIMIT ${want} FOR UPDATE SKIP LOCKED
            ), gone AS (
              DELETE FROM ${partition} n USING doomed WHERE n.recipient_id = doomed.recipient_id AND n.id = doomed.id
              RETURNING n.id
            ), deliveries AS (
              DELETE FROM ${t.deliveries} d USING gone WHERE d.notification_id = gone.id
            )
            SELECT id FROM gone`;
          for (const { id } of rows) if (id > walk.after) walk.after = id;
          deleted += rows.length;
          if (rows.length < want) Object.assign(walk, { done: walk.done + 1, after: NIL_UUID });
        }
        return deleted;
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

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The partitions of `notifications`, schema-qualified, in name order (notifications_p00 ...); the
 * table itself should it not be partitioned.
 */
async function partitionsOf(prisma: NotificationPrisma, schema: string): Promise<Prisma.Sql[]> {
  const rows = await prisma.$queryRaw<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass(${`"${schema}"."notifications"`}) ORDER BY c.relname`;
  const names = rows.map((r) => r.name).filter((name) => IDENTIFIER.test(name));
  return (names.length > 0 ? names : ['notifications']).map((name) => Prisma.raw(`"${schema}"."${name}"`));
}
