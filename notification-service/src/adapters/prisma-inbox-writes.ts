import type { InboxItem, InboxUnitOfWork } from '../domain/ports.js';
import type { Notification } from '../domain/notification.js';
import type { Db, Tables } from './prisma-client.js';
import { fromRow, NOTIFICATION_COLUMNS, type NotificationRow } from './prisma-inbox-rows.js';
import { pgArray, pgJson, pgText, uuidArray } from './pg-safe.js';

/**
 * The writes of one chunk, inside its transaction. Each method is ONE statement whatever the
 * chunk size: arrays go in as parameters (one array literal each, see pgArray) and come apart with
 * unnest().
 */
export function prismaUnitOfWork(db: Db, t: Tables): InboxUnitOfWork {
  return {
    async claimReceipts(eventId, recipientIds) {
      if (recipientIds.length === 0) return [];
      // Sorted, so two instances claiming the same chunk (a redelivery) queue on the same first key
      // instead of deadlocking on each other's.
      const rows = await db.$queryRaw<{ recipient_id: string }[]>`
        INSERT INTO ${t.receipts} (event_id, recipient_id)
        SELECT ${eventId}::uuid, r FROM unnest(${uuidArray(recipientIds)}) AS r ORDER BY r
        ON CONFLICT DO NOTHING
        RETURNING recipient_id`;
      return rows.map((r) => r.recipient_id);
    },

    async nextSeqs(recipientIds) {
      if (recipientIds.length === 0) return new Map();
      // Sorted: concurrent chunks lock the stream rows of shared recipients in the same order.
      const rows = await db.$queryRaw<{ user_id: string; seq: bigint }[]>`
        INSERT INTO ${t.streams} (user_id, seq)
        SELECT r, 1 FROM unnest(${uuidArray(recipientIds)}) AS r ORDER BY r
        ON CONFLICT (user_id) DO UPDATE SET seq = ${t.streams}.seq + 1
        RETURNING user_id, seq`;
      return new Map(rows.map((r) => [r.user_id, Number(r.seq)]));
    },

    async claimedSince(eventId, recipientIds) {
      if (recipientIds.length === 0) return undefined;
      const [row] = await db.$queryRaw<{ at: Date | null }[]>`
        SELECT min(created_at) AS at FROM ${t.receipts}
        WHERE event_id = ${eventId}::uuid AND recipient_id = ANY(${uuidArray(recipientIds)})`;
      return row?.at ?? undefined;
    },

    async openGroups(groupKey, recipientIds) {
      if (recipientIds.length === 0) return new Map();
      const ids = [...recipientIds].sort();
      // Row locks alone cannot serialise merges: a second like waiting on the head's lock would
      // find it superseded and miss the successor its snapshot cannot see. A transaction-scoped
      // lock per (recipient, group) taken first makes the SELECT below see the latest head.
      await db.$queryRaw`
        SELECT count(*) FROM (
          SELECT pg_advisory_xact_lock(hashtextextended(r::text || '|' || ${groupKey}, 0))
          FROM unnest(${uuidArray(ids)}) AS r ORDER BY r
        ) AS locked`;
      const rows = await db.$queryRaw<NotificationRow[]>`
        SELECT ${NOTIFICATION_COLUMNS} FROM ${t.notifications}
        WHERE recipient_id = ANY(${uuidArray(ids)}) AND group_key = ${groupKey}
          AND read_at IS NULL AND superseded_by IS NULL AND in_inbox
        ORDER BY recipient_id, id
        FOR UPDATE`;
      // Ascending ids: the last row per recipient is the newest open item.
      const heads = new Map<string, Notification>();
      for (const row of rows) heads.set(row.recipient_id, fromRow(row));
      return heads;
    },

    async insertNotifications(items) {
      if (items.length === 0) return;
      const c = columns(items);
      await db.$executeRaw`
        INSERT INTO ${t.notifications}
          (id, recipient_id, type, category, priority, actor, object_kind, object_id, title, body, data, group_key, count, in_inbox, sender_id, created_at,
           fallback_at, fallback_channels, fallback_reason, seq)
        SELECT u.id, u.recipient_id, u.type, u.category, u.priority, u.actor, u.object_kind, u.object_id, u.title, u.body, u.data, u.group_key,
          u.count, u.in_inbox, u.sender_id, u.created_at, u.fallback_at, CASE WHEN u.fallback_channels IS NULL THEN NULL ELSE string_to_array(u.fallback_channels, ',') END,
          u.fallback_reason, u.seq
        FROM unnest(
          ${a(c.id)}::uuid[], ${a(c.recipient)}::uuid[], ${a(c.type)}::text[], ${a(c.category)}::text[], ${a(c.priority)}::text[],
          ${a(c.actor)}::jsonb[], ${a(c.objectKind)}::text[], ${a(c.objectId)}::uuid[], ${a(c.title)}::text[], ${a(c.body)}::text[],
          ${a(c.data)}::jsonb[], ${a(c.groupKey)}::text[], ${a(c.count)}::int[], ${a(c.inInbox)}::boolean[], ${a(c.sender)}::uuid[],
          ${a(c.createdAt)}::timestamptz[], ${a(c.fallbackAt)}::timestamptz[], ${a(c.fallbackChannels)}::text[], ${a(c.fallbackReason)}::text[],
          ${a(c.seq)}::bigint[])
          AS u(id, recipient_id, type, category, priority, actor, object_kind, object_id, title, body, data, group_key, count, in_inbox,
               sender_id, created_at, fallback_at, fallback_channels, fallback_reason, seq)`;
    },

    async supersede(replacements) {
      if (replacements.length === 0) return;
      const oldIds = replacements.map((r) => r.oldId);
      await db.$executeRaw`
        UPDATE ${t.notifications} AS n SET superseded_by = r.new_id
        FROM unnest(${uuidArray(oldIds)}, ${uuidArray(replacements.map((r) => r.newId))}, ${uuidArray(replacements.map((r) => r.recipientId))})
          AS r(old_id, new_id, recipient_id)
        WHERE n.id = r.old_id AND n.recipient_id = r.recipient_id`;
      // The successor carries its own fallbacks; the old item's would announce a stale count.
      await db.$executeRaw`
        UPDATE ${t.notifications} SET fallback_at = NULL, fallback_reason = 'superseded'
        WHERE id = ANY(${uuidArray(oldIds)}) AND fallback_at IS NOT NULL`;
      await db.$executeRaw`
        UPDATE ${t.deliveries} SET status = 'cancelled', reason = 'superseded', next_attempt_at = NULL, updated_at = now()
        WHERE notification_id = ANY(${uuidArray(oldIds)}) AND channel <> 'in_app' AND status IN ('pending', 'scheduled', 'queued')`;
    },

    async insertDeliveries(rows) {
      if (rows.length === 0) return;
      await db.$executeRaw`
        INSERT INTO ${t.deliveries} (notification_id, channel, recipient_id, status, reason, not_before, digest)
        SELECT * FROM unnest(
          ${uuidArray(rows.map((r) => r.notificationId))}, ${a(rows.map((r) => r.channel))}::text[], ${uuidArray(rows.map((r) => r.recipientId))},
          ${a(rows.map((r) => r.status))}::text[], ${a(rows.map((r) => r.reason))}::text[],
          ${a(rows.map((r) => r.notBefore?.toISOString() ?? null))}::timestamptz[], ${a(rows.map((r) => r.digest))}::text[])`;
    },

    async recordSendRequest(record) {
      const inserted = await db.$executeRaw`
        INSERT INTO ${t.sendRequests} (sender_id, idempotency_key, event_id, request_hash, ids)
        VALUES (${record.senderId}::uuid, ${record.idempotencyKey}, ${record.eventId}::uuid, ${record.requestHash}, ${record.ids}::uuid[])
        ON CONFLICT DO NOTHING`;
      return inserted > 0;
    },
  };
}

const a = pgArray;

function columns(items: readonly InboxItem[]) {
  const n = items.map((i) => i.notification);
  return {
    id: n.map((x) => x.id),
    recipient: items.map((i) => i.recipientId),
    type: n.map((x) => x.type),
    category: n.map((x) => x.category),
    priority: n.map((x) => x.priority),
    actor: n.map((x) => (x.actor ? pgJson(x.actor) : null)),
    objectKind: n.map((x) => x.object?.kind ?? null),
    objectId: n.map((x) => x.object?.id ?? null),
    title: n.map((x) => pgText(x.title)),
    body: n.map((x) => pgText(x.body)),
    data: n.map((x) => pgJson(x.data)),
    groupKey: n.map((x) => pgText(x.groupKey ?? null)),
    count: n.map((x) => x.count ?? null),
    seq: n.map((x) => x.seq ?? null),
    inInbox: items.map((i) => i.inInbox !== false),
    sender: items.map((i) => i.senderId ?? null),
    createdAt: n.map((x) => x.createdAt),
    fallbackAt: items.map((i) => i.fallback?.at?.toISOString() ?? null),
    fallbackReason: items.map((i) => i.fallback?.reason ?? null),
    // Channel names are plain identifiers: a comma list travels as one text per row.
    fallbackChannels: items.map((i) => (i.fallback ? i.fallback.channels.join(',') : null)),
  };
}
