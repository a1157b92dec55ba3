import { CHANNELS, type Channel, type DeliveryStatus, type Notification } from '../domain/notification.js';
import type { ChannelStatus, InboxStore, InboxUnitOfWork, SendRecord } from '../domain/ports.js';
import { Prisma } from '../generated/prisma/client.js';
import { tables, type NotificationPrisma, type Tables } from './prisma-client.js';
import { fromRow, LISTED, NOTIFICATION_COLUMNS, ofRecipients, UNREAD, UNREAD_TEXT, type NotificationRow } from './prisma-inbox-rows.js';
import { prismaUnitOfWork } from './prisma-inbox-writes.js';
import { pgArray, uuidArray } from './pg-safe.js';
import { PreparedRead, qualified, type Queryable } from './pg-prepared.js';

// A read settles the item's deliveries: in_app becomes `read`; out-of-band ones not yet sent are
// cancelled (reason `read`), and an email already sent shows `read` too (the person saw it).
// The timer itself is cleared by the UPDATE that marks the item read.
const settleDeliveries = (t: Tables, userId: string, at: Date) => Prisma.sql`
  UPDATE ${t.deliveries} SET
    status = CASE WHEN channel = 'in_app' OR status IN ('sent', 'delivered', 'opened', 'clicked') THEN 'read' ELSE 'cancelled' END,
    reason = CASE WHEN channel = 'in_app' OR status IN ('sent', 'delivered', 'opened', 'clicked') THEN reason ELSE 'read' END,
    next_attempt_at = NULL,
    updated_at = ${at}
  WHERE recipient_id = ${userId}::uuid AND notification_id IN (SELECT id FROM marked)
    AND status IN ('pending', 'scheduled', 'queued', 'sent', 'delivered', 'opened', 'clicked')
    -- A send in flight finishes and records itself; cancelling under it would lose that record.
    AND NOT (channel <> 'in_app' AND status = 'queued' AND claimed_at IS NOT NULL)`;

/**
 * The inbox on PostgreSQL. Reads are keyset scans of the partial indexes on (recipient_id, id);
 * the unread count is an exact count(*) over the unread partial index, so concurrent inserts and
 * reads can never make it drift the way a stored counter could.
 *
 * `notifications` is partitioned by hash of `recipient_id` (migration 20261211120000_partition_inbox):
 * every statement here names the recipient of each row it reads or writes, as a value or through a
 * join on (recipient_id, id), so the planner reads the recipient's partition only; a statement for
 * several people reads one partition per distinct person. The one exception is a sender reading the
 * status of what it sent (deliveryStatuses), which knows ids but not recipients.
 */
export class PrismaInboxStore implements InboxStore {
  private readonly t: Tables;
  /** Every push after a commit and every hello read these: prepared statements (pg-prepared.ts). */
  private readonly reads: ReturnType<typeof countReads>;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
    private readonly pool: Queryable,
  ) {
    this.t = tables(schema);
    this.reads = countReads(schema);
  }

  transaction<T>(work: (uow: InboxUnitOfWork) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((tx) => work(prismaUnitOfWork(tx, this.t)));
  }

  async list(userId: string, page: { cursor?: string | null; limit: number; unreadOnly?: boolean }) {
    const filter = page.unreadOnly ? UNREAD : LISTED;
    const before = page.cursor ? Prisma.sql`AND id < ${page.cursor}::uuid` : Prisma.empty;
    const rows = await this.prisma.$queryRaw<NotificationRow[]>`
      SELECT ${NOTIFICATION_COLUMNS} FROM ${this.t.notifications}
      WHERE recipient_id = ${userId}::uuid AND ${filter} ${before}
      ORDER BY id DESC LIMIT ${page.limit + 1}`;
    const items = rows.slice(0, page.limit).map(fromRow);
    return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async listAfter(userId: string, afterId: string, limit: number): Promise<Notification[]> {
    const rows = await this.prisma.$queryRaw<NotificationRow[]>`
      SELECT ${NOTIFICATION_COLUMNS} FROM ${this.t.notifications}
      WHERE recipient_id = ${userId}::uuid AND ${LISTED} AND id > ${afterId}::uuid
      ORDER BY id ASC LIMIT ${limit}`;
    return rows.map(fromRow);
  }

  async streamHead(userId: string): Promise<{ unread: number; seq: number }> {
    return (await this.streamHeads([userId])).get(userId)!;
  }

  async streamHeads(userIds: readonly string[]): Promise<Map<string, { unread: number; seq: number }>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.reads.heads.rows(this.pool, [pgArray([...new Set(userIds)])]);
    const heads = new Map(rows.map((r) => [r.id, { unread: r.unread, seq: Number(r.seq ?? 0) }]));
    // Keyed as asked, like unreadCounts.
    return new Map(userIds.map((id) => [id, heads.get(id.toLowerCase()) ?? { unread: 0, seq: 0 }]));
  }

  async unreadCount(userId: string): Promise<number> {
    return (await this.unreadCounts([userId])).get(userId.toLowerCase()) ?? 0;
  }

  async unreadCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.reads.counts.rows(this.pool, [pgArray([...new Set(userIds)])]);
    const counts = new Map(rows.map((r) => [r.id, r.count]));
    // Keyed as asked, so a caller's casing of an id still finds its count.
    return new Map(userIds.map((id) => [id, counts.get(id.toLowerCase()) ?? 0]));
  }

  async markRead(ids: readonly string[], userId: string, at: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    // A superseded id reads the latest item of its group: follow superseded_by to the end.
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH RECURSIVE chain(id, superseded_by) AS (
        SELECT id, superseded_by FROM ${this.t.notifications} WHERE id = ANY(${[...ids]}::uuid[]) AND recipient_id = ${userId}::uuid
        UNION
        -- A successor has the same recipient: the recursion stays in their partition.
        SELECT n.id, n.superseded_by FROM ${this.t.notifications} n JOIN chain c ON n.recipient_id = ${userId}::uuid AND n.id = c.superseded_by
      ), marked AS (
        UPDATE ${this.t.notifications} SET read_at = ${at}, fallback_at = NULL,
          fallback_reason = CASE WHEN fallback_at IS NULL THEN fallback_reason ELSE 'read' END
        WHERE id IN (SELECT id FROM chain WHERE superseded_by IS NULL)
          AND recipient_id = ${userId}::uuid AND read_at IS NULL AND superseded_by IS NULL
        RETURNING id
      ), settled AS (${settleDeliveries(this.t, userId, at)})
      SELECT id FROM marked`;
    return rows.map((r) => r.id);
  }

  async markAllRead(userId: string, at: Date): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ count: number }[]>`
      WITH marked AS (
        UPDATE ${this.t.notifications} SET read_at = ${at}, fallback_at = NULL,
          fallback_reason = CASE WHEN fallback_at IS NULL THEN fallback_reason ELSE 'read' END
        WHERE recipient_id = ${userId}::uuid AND ${UNREAD}
        RETURNING id
      ), settled AS (${settleDeliveries(this.t, userId, at)})
      SELECT count(*)::int AS count FROM marked`;
    return rows[0]?.count ?? 0;
  }

  async ownedBy(ids: readonly string[], userId: string): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM ${this.t.notifications} WHERE id = ANY(${[...ids]}::uuid[]) AND recipient_id = ${userId}::uuid`;
    return new Set(rows.map((r) => r.id));
  }

  async deliveryStatuses(ids: readonly string[], viewerId: string): Promise<Map<string, ChannelStatus[]>> {
    if (ids.length === 0) return new Map();
    // The viewer's own items first, in their partition. Ids left over may be items the viewer sent
    // through the send API to others: those are looked up by sender, in each partition's small
    // sender index (the recipients are not known here).
    const own = await this.statusRows(Prisma.sql`n.recipient_id = ${viewerId}::uuid`, ids);
    const found = new Set(own.timers.map((r) => r.id).concat(own.rows.map((r) => r.notification_id)));
    const rest = ids.map((id) => id.toLowerCase()).filter((id) => !found.has(id));
    const sent = rest.length > 0 ? await this.statusRows(Prisma.sql`n.sender_id = ${viewerId}::uuid`, rest) : { rows: [], timers: [] };
    const rows = [...own.rows, ...sent.rows];
    const timers = [...own.timers, ...sent.timers];
    const out = new Map<string, ChannelStatus[]>();
    for (const row of rows) out.set(row.notification_id, [...(out.get(row.notification_id) ?? []), toChannelStatus(row)]);
    for (const timer of timers) {
      if (timer.fallback_channels === null) continue;
      const listed = out.get(timer.id) ?? [];
      for (const channel of timer.fallback_channels) {
        if (listed.some((c) => c.channel === channel)) continue;
        listed.push(timerStatus(channel as Channel, timer));
      }
      out.set(timer.id, listed);
    }
    for (const channels of out.values()) channels.sort((a, b) => CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel));
    return out;
  }

  /** Delivery rows and timers of the items among `ids` that `who` selects (by recipient or by sender). */
  private async statusRows(who: Prisma.Sql, ids: readonly string[]): Promise<{ rows: DeliveryStatusRow[]; timers: TimerRow[] }> {
    const rows = await this.prisma.$queryRaw<DeliveryStatusRow[]>`
      SELECT d.notification_id, d.channel, d.status, d.attempts, d.last_error, d.reason, d.not_before, d.digest, d.digest_id, d.provider, d.updated_at
      FROM ${this.t.notifications} n JOIN ${this.t.deliveries} d ON d.recipient_id = n.recipient_id AND d.notification_id = n.id
      WHERE ${who} AND n.id = ANY(${[...ids]}::uuid[])`;
    // Out-of-band channels have no row until their timer fires: their state is on the notification.
    // Every item of the viewer is present here (a NULL channel list for items without a timer), so
    // the caller knows which ids it found.
    const timers = await this.prisma.$queryRaw<TimerRow[]>`
      SELECT n.id, n.fallback_at, n.fallback_channels, n.fallback_reason, n.created_at, n.read_at FROM ${this.t.notifications} n
      WHERE ${who} AND n.id = ANY(${[...ids]}::uuid[])`;
    return { rows, timers };
  }

  async settleOnline(items: readonly { recipientId: string; notificationId: string }[], escalateAfterMs: number): Promise<number> {
    if (items.length === 0) return 0;
    return this.prisma.$executeRaw`
      UPDATE ${this.t.notifications} n SET
        fallback_at = CASE WHEN n.priority = 'critical' THEN n.created_at + make_interval(secs => ${escalateAfterMs / 1000}) ELSE NULL END,
        fallback_reason = CASE WHEN n.priority = 'critical' THEN n.fallback_reason ELSE 'delivered_live' END
      FROM unnest(${uuidArray(items.map((i) => i.recipientId))}, ${uuidArray(items.map((i) => i.notificationId))}) AS u(recipient_id, id)
      WHERE ${ofRecipients(items.map((i) => i.recipientId))} AND n.recipient_id = u.recipient_id AND n.id = u.id
        AND n.fallback_at IS NOT NULL AND n.read_at IS NULL`;
  }

  async findSendRequest(senderId: string, idempotencyKey: string): Promise<SendRecord | null> {
    const row = await this.prisma.sendRequest.findUnique({ where: { senderId_idempotencyKey: { senderId, idempotencyKey } } });
    return row && { senderId: row.senderId, idempotencyKey: row.idempotencyKey, eventId: row.eventId, requestHash: row.requestHash, ids: row.ids };
  }
}

interface DeliveryStatusRow {
  notification_id: string;
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
  reason: string | null;
  not_before: Date | null;
  digest: string | null;
  digest_id: string | null;
  provider: string | null;
  updated_at: Date;
}

interface TimerRow {
  id: string;
  fallback_at: Date | null;
  /** NULL: the item never had a timer. */
  fallback_channels: string[] | null;
  fallback_reason: string | null;
  created_at: Date;
  read_at: Date | null;
}

/** A channel still waiting on the notification's timer, or cleared before it fired. */
function timerStatus(channel: Channel, timer: TimerRow): ChannelStatus {
  if (timer.fallback_at) return { channel, status: 'scheduled', attempts: 0, notBefore: timer.fallback_at.toISOString(), updatedAt: timer.created_at.toISOString() };
  const reason = timer.fallback_reason ?? 'read';
  const status = reason === 'delivered_live' ? 'skipped' : 'cancelled';
  return { channel, status, reason, attempts: 0, updatedAt: (timer.read_at ?? timer.created_at).toISOString() };
}

function toChannelStatus(row: DeliveryStatusRow): ChannelStatus {
  const status: ChannelStatus = {
    channel: row.channel as Channel,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    updatedAt: row.updated_at.toISOString(),
  };
  if (row.last_error !== null) status.lastError = row.last_error;
  if (row.provider !== null) status.provider = row.provider;
  if (row.reason !== null) status.reason = row.reason;
  if (row.not_before !== null) status.notBefore = row.not_before.toISOString();
  if (row.digest !== null) status.digest = row.digest as 'daily' | 'weekly';
  if (row.digest_id !== null) status.digestId = row.digest_id;
  return status;
}

/**
 * Badge counts: per person a count over the unread partial index of their partition (pruned at run
 * time, one probe per person). A correlated subquery beats `recipient_id = ANY(..) GROUP BY`, whose
 * plan for a thousand people costs more than the counts (docs/performance.md, "Planning").
 */
function countReads(schema: string) {
  const notifications = qualified(schema, 'notifications');
  const unread = `(SELECT count(*)::int FROM ${notifications} n WHERE n.recipient_id = u.id AND ${UNREAD_TEXT})`;
  return {
    counts: new PreparedRead<{ id: string; count: number }>(`SELECT u.id, ${unread} AS count FROM unnest($1::uuid[]) AS u(id)`),
    heads: new PreparedRead<{ id: string; unread: number; seq: string | null }>(`
      SELECT u.id, ${unread} AS unread, (SELECT s.seq FROM ${qualified(schema, 'streams')} s WHERE s.user_id = u.id) AS seq
      FROM unnest($1::uuid[]) AS u(id)`),
  };
}
