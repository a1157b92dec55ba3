import type { InboxItem, InboxUnitOfWork, ReceiptGroup } from '../domain/ports.js';
import type { Notification } from '../domain/notification.js';
import type { Db, Tables } from './prisma-client.js';
import { fromRow, notificationColumnsOf, ofRecipients, type NotificationRow } from './prisma-inbox-rows.js';
import { pgArray, pgJson, pgText, uuidArray } from './pg-safe.js';

/**
 * The writes of one chunk, inside its transaction. Each method is ONE statement whatever the
 * chunk size: arrays go in as parameters (one array literal each, see pgArray) and come apart with
 * unnest().
 */
export function prismaUnitOfWork(db: Db, t: Tables): InboxUnitOfWork {
  return {
    async claimReceipts(groups) {
      const events: string[] = [];
      const recipients: string[] = [];
      for (const g of groups) for (const r of g.recipientIds) events.push(g.eventId.toLowerCase()), recipients.push(r.toLowerCase());
      if (recipients.length === 0) return groups.map(() => []);
      // Sorted, so two instances claiming the same chunk (a redelivery) queue on the same first key
      // instead of deadlocking on each other's.
      const rows = await db.$queryRaw<{ event_id: string; recipient_id: string }[]>`
        INSERT INTO ${t.receipts} (event_id, recipient_id)
        SELECT e, r FROM unnest(${uuidArray(events)}, ${uuidArray(recipients)}) AS u(e, r) ORDER BY e, r
        ON CONFLICT DO NOTHING
        RETURNING event_id, recipient_id`;
      return splitByEvent(groups, rows);
    },

    async nextSeqs(recipientIds) {
      if (recipientIds.length === 0) return new Map();
      const counts = new Map<string, number>();
      for (const id of recipientIds) counts.set(id.toLowerCase(), (counts.get(id.toLowerCase()) ?? 0) + 1);
      const ids = [...counts.keys()].sort();
      // Sorted: concurrent chunks lock the stream rows of shared recipients in the same order.
      const rows = await db.$queryRaw<{ user_id: string; seq: bigint }[]>`
        INSERT INTO ${t.streams} (user_id, seq)
        SELECT r, n FROM unnest(${uuidArray(ids)}, ${a(ids.map((id) => counts.get(id)!))}::int[]) WITH ORDINALITY AS u(r, n, o) ORDER BY o
        ON CONFLICT (user_id) DO UPDATE SET seq = ${t.streams}.seq + EXCLUDED.seq
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

    async openGroups(groups) {
      // (recipient, key) pairs sorted the same way by every caller: locks are taken in one order.
      const pairs = groups.flatMap((g) => g.recipientIds.map((r) => [r.toLowerCase(), g.groupKey] as const)).sort(([r1, k1], [r2, k2]) => (r1 < r2 ? -1 : r1 > r2 ? 1 : k1 < k2 ? -1 : k1 > k2 ? 1 : 0));
      if (pairs.length === 0) return groups.map(() => new Map());
      const rs = uuidArray(pairs.map(([r]) => r));
      const ks = a(pairs.map(([, k]) => pgText(k)));
      // Row locks alone cannot serialise merges: a second like waiting on the head's lock would
      // find it superseded and miss the successor its snapshot cannot see. A transaction-scoped
      // lock per (recipient, group) taken first makes the SELECT below see the latest head.
      await db.$queryRaw`
        SELECT count(*) FROM (
          SELECT pg_advisory_xact_lock(hashtextextended(k.r::text || '|' || k.g, 0))
          FROM unnest(${rs}, ${ks}::text[]) WITH ORDINALITY AS k(r, g, o) ORDER BY k.o
        ) AS locked`;
      const rows = await db.$queryRaw<NotificationRow[]>`
        SELECT ${notificationColumnsOf('n')} FROM ${t.notifications} n
        JOIN unnest(${rs}, ${ks}::text[]) AS k(r, g) ON n.recipient_id = k.r AND n.group_key = k.g
        WHERE ${ofRecipients(pairs.map(([r]) => r))} AND n.read_at IS NULL AND n.superseded_by IS NULL AND n.in_inbox
        ORDER BY n.recipient_id, n.id
        FOR UPDATE OF n`;
      // Ascending ids: the last row per (recipient, key) is the newest open item.
      const heads = new Map<string, Notification>();
      for (const row of rows) heads.set(`${row.recipient_id}|${row.group_key}`, fromRow(row));
      return groups.map((g) => {
        const own = new Map<string, Notification>();
        for (const r of g.recipientIds) {
          const head = heads.get(`${r.toLowerCase()}|${pgText(g.groupKey)}`);
          if (head) own.set(r.toLowerCase(), head);
        }
        return own;
      });
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
      // The successor carries its own fallbacks; the old item's timer would announce a stale count.
      await db.$executeRaw`
        UPDATE ${t.notifications} AS n SET superseded_by = r.new_id,
          fallback_reason = CASE WHEN n.fallback_at IS NULL THEN n.fallback_reason ELSE 'superseded' END, fallback_at = NULL
        FROM unnest(${uuidArray(oldIds)}, ${uuidArray(replacements.map((r) => r.newId))}, ${uuidArray(replacements.map((r) => r.recipientId))})
          AS r(old_id, new_id, recipient_id)
        WHERE ${ofRecipients(replacements.map((r) => r.recipientId))} AND n.recipient_id = r.recipient_id AND n.id = r.old_id`;
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

/** The claimed (event, recipient) rows back into the caller's groups, each sorted. */
function splitByEvent(groups: readonly ReceiptGroup[], rows: readonly { event_id: string; recipient_id: string }[]): string[][] {
  const byEvent = new Map<string, string[]>();
  for (const row of rows) {
    const own = byEvent.get(row.event_id);
    if (own) own.push(row.recipient_id);
    else byEvent.set(row.event_id, [row.recipient_id]);
  }
  return groups.map((g) => (byEvent.get(g.eventId.toLowerCase()) ?? []).sort());
}

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
