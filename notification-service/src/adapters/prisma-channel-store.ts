import { createEvent } from '@herald/contracts';
import { outboxRow } from '@herald/platform';
import type { AttemptRecord, OutOfBandChannel } from '../domain/channels.js';
import type { ChannelStore, ClaimedDelivery, ClaimResult, DeadLetter, DueDelivery, FireBatch, FiredItem, ReplayResult } from '../domain/channel-ports.js';
import { undeliverableKey, type Addresses } from '../domain/fallback-rules.js';
import { NO_THROTTLES, type ThrottlePolicy } from '../domain/throttle.js';
import { Prisma } from '../generated/prisma/client.js';
import { deliveryStatusRankSql as rank, tables, type Db, type NotificationPrisma, type Tables } from './prisma-client.js';
import { fromRow, notificationColumnsOf, ofRecipients, type NotificationRow } from './prisma-inbox-rows.js';
import { pgArray, pgText, uuidArray } from './pg-safe.js';
import { preferencesOf } from './prisma-preference-store.js';
import { CHANGED_COLUMNS, enqueueStatusWebhooks, webhookTables, type WebhookTables } from './prisma-webhook-store.js';
import { pushTables, usersWithPushSubscriptions, type PushTables } from './prisma-push-subscription-store.js';
import { throttleAtClaim } from './prisma-throttle.js';

/**
 * How long a claimer waits, after finding a claim that ran out without an outcome, before sending
 * again (capped by the lease): time enough for a worker that was only cut off from the database to
 * record its send once the database is back (it retries every 500 ms).
 */
const CLAIM_LOST_GRACE_MS = 5_000;

const FINAL = Prisma.sql`('read', 'failed', 'bounced', 'skipped', 'cancelled')`;

/**
 * Out-of-band timers and the delivery ledger on PostgreSQL (docs/channels.md). Every claim is
 * `FOR UPDATE SKIP LOCKED`, so any number of instances sweep and send without stepping on each other.
 */
export class PrismaChannelStore implements ChannelStore {
  private readonly t: Tables;
  /** Status webhooks: every status change below owes its messages in the same statement. */
  private readonly w: WebhookTables;
  /** Web Push subscriptions: whether a person has one is their push address. */
  private readonly p: PushTables;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
    /** Per-person throttles, checked at every claim (docs/channels.md "Throttles"); none by default. */
    private readonly throttles: ThrottlePolicy = NO_THROTTLES,
  ) {
    this.t = tables(schema);
    this.w = webhookTables(schema);
    this.p = pushTables(schema);
  }

  /** `WITH changed AS (<update RETURNING CHANGED_COLUMNS>)` + the webhook insert: one statement. */
  private withWebhooks(update: Prisma.Sql): Prisma.Sql {
    return Prisma.sql`WITH changed AS (${update} RETURNING ${CHANGED_COLUMNS}) ${enqueueStatusWebhooks(this.t, this.w)}`;
  }

  fire<T>(work: (batch: FireBatch) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((tx) => work(fireBatch(tx, this.t, this.p)));
  }

  async claim(notificationId: string, channel: OutOfBandChannel, leaseMs: number): Promise<ClaimResult> {
    const t = this.t;
    const graceMs = Math.min(leaseMs, CLAIM_LOST_GRACE_MS);
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<(NotificationRow & { d_recipient: string; address: string | null; attempts: number; urgent: boolean; claimed_at: Date | null; dispatched_at: Date | null; status: string; live_claim: boolean; claim_lost_at: Date | null; grace_over: boolean })[]>`
        SELECT ${notificationColumnsOf('n')}, d.recipient_id AS d_recipient, d.address, d.attempts, d.urgent, d.claimed_at, d.dispatched_at, d.status,
          (d.claimed_at IS NOT NULL AND d.claimed_at > now() - make_interval(secs => ${leaseMs / 1000})) AS live_claim,
          d.claim_lost_at, (d.claim_lost_at IS NOT NULL AND d.claim_lost_at <= now() - make_interval(secs => ${graceMs / 1000})) AS grace_over
        FROM ${t.deliveries} d JOIN ${t.notifications} n ON n.recipient_id = d.recipient_id AND n.id = d.notification_id
        WHERE d.notification_id = ${notificationId}::uuid AND d.channel = ${channel}
        FOR UPDATE OF d`;
      const row = rows[0];
      // Only a dispatched row, or one whose worker died mid-send (its message comes back), is
      // claimable: a message for anything else is stale (already sent, ended, cancelled, or waiting
      // for its backoff, which will dispatch it again).
      if (!row || row.status !== 'queued' || (row.dispatched_at === null && row.claimed_at === null) || !row.address) return { kind: 'gone' };
      if (row.live_claim) {
        // A redelivery while another worker may still be sending: come back when its claim expires.
        await tx.$executeRaw`
          UPDATE ${t.deliveries} SET next_attempt_at = claimed_at + make_interval(secs => ${leaseMs / 1000}), dispatched_at = NULL
          WHERE notification_id = ${notificationId}::uuid AND channel = ${channel}`;
        return { kind: 'busy' };
      }
      if (row.claimed_at !== null && !row.grace_over) {
        // The claim ran out without an outcome. Its worker may be dead, or alive and retrying the
        // record of a send the provider accepted while the database was away (recordAfterSend): the
        // database has only just come back to us, so it has only just come back to that worker too.
        // Wait a grace for its record before sending again.
        await tx.$executeRaw`
          UPDATE ${t.deliveries} SET claim_lost_at = COALESCE(claim_lost_at, now()), dispatched_at = NULL,
            next_attempt_at = COALESCE(claim_lost_at, now()) + make_interval(secs => ${graceMs / 1000})
          WHERE notification_id = ${notificationId}::uuid AND channel = ${channel}`;
        return { kind: 'busy' };
      }
      // Over the person's throttle: settled here (held for their digest, or skipped), never sent.
      const notification = fromRow(row);
      const subject = { notificationId, recipientId: row.d_recipient, channel, type: notification.type, priority: notification.priority };
      const throttled = await throttleAtClaim(tx, t, this.throttles, subject);
      if (throttled) return { kind: 'throttled', outcome: throttled };
      await tx.$executeRaw`
        UPDATE ${t.deliveries} SET claimed_at = now(), claim_lost_at = NULL, attempts = attempts + 1, dispatched_at = NULL, next_attempt_at = NULL, updated_at = now()
        WHERE notification_id = ${notificationId}::uuid AND channel = ${channel}`;
      const delivery: ClaimedDelivery = {
        notificationId: row.id,
        channel,
        recipientId: row.d_recipient,
        address: row.address,
        attempts: row.attempts + 1,
        urgent: row.urgent,
        notification,
        previousClaimLost: row.claimed_at !== null,
      };
      return { kind: 'claimed', delivery };
    });
  }

  async cancelClaimed(d: ClaimedDelivery, reason: 'read'): Promise<void> {
    await this.prisma.$executeRaw(this.withWebhooks(Prisma.sql`
      UPDATE ${this.t.deliveries} SET status = 'cancelled', reason = ${reason}, claimed_at = NULL, attempts = attempts - 1, updated_at = now()
      WHERE notification_id = ${d.notificationId}::uuid AND channel = ${d.channel} AND status = 'queued'`));
  }

  async wasRead(d: ClaimedDelivery): Promise<boolean> {
    // By the recipient's key too: one partition of the inbox, one index probe.
    const rows = await this.prisma.$queryRaw<{ read: boolean }[]>`
      SELECT read_at IS NOT NULL AS read FROM ${this.t.notifications} WHERE recipient_id = ${d.recipientId}::uuid AND id = ${d.notificationId}::uuid`;
    return rows[0]?.read === true;
  }

  async deferClaimed(d: ClaimedDelivery, at: Date): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE ${this.t.deliveries} SET next_attempt_at = ${at}, claimed_at = NULL, dispatched_at = NULL, attempts = attempts - 1, updated_at = now()
      WHERE notification_id = ${d.notificationId}::uuid AND channel = ${d.channel} AND status = 'queued'`;
  }

  async recordSent(d: ClaimedDelivery, result: { provider: string; providerMessageId?: string; status: 'sent' | 'delivered'; sentAt: Date }, attempts: readonly AttemptRecord[]) {
    await this.prisma.$transaction([
      this.prisma.$executeRaw(this.withWebhooks(Prisma.sql`
        UPDATE ${this.t.deliveries} SET status = ${result.status}, provider = ${result.provider}, provider_message_id = ${result.providerMessageId ?? null},
          sent_at = ${result.sentAt}, claimed_at = NULL, next_attempt_at = NULL, dispatched_at = NULL, last_error = NULL, reason = NULL, updated_at = now()
        WHERE notification_id = ${d.notificationId}::uuid AND channel = ${d.channel} AND status = 'queued'`)),
      insertAttempts(this.prisma, this.t, d, attempts),
    ]);
  }

  async recordRetry(d: ClaimedDelivery, at: Date, lastError: string, provider: string | undefined, attempts: readonly AttemptRecord[]) {
    await this.prisma.$transaction([
      this.prisma.$executeRaw`
        UPDATE ${this.t.deliveries} SET next_attempt_at = ${at}, claimed_at = NULL, dispatched_at = NULL, last_error = ${pgText(lastError)}, provider = ${provider ?? null}, updated_at = now()
        WHERE notification_id = ${d.notificationId}::uuid AND channel = ${d.channel} AND status = 'queued'`,
      insertAttempts(this.prisma, this.t, d, attempts),
    ]);
  }

  async recordFinal(d: ClaimedDelivery, end: { status: 'failed' | 'bounced'; reason: string; lastError: string; provider?: string; deadLetterId: string }, attempts: readonly AttemptRecord[]) {
    const t = this.t;
    const writes = [
      this.prisma.$executeRaw(this.withWebhooks(Prisma.sql`
        UPDATE ${t.deliveries} SET status = ${end.status}, reason = ${end.reason}, last_error = ${pgText(end.lastError)}, provider = ${end.provider ?? null},
          claimed_at = NULL, next_attempt_at = NULL, dispatched_at = NULL, updated_at = now()
        WHERE notification_id = ${d.notificationId}::uuid AND channel = ${d.channel} AND status = 'queued'`)),
      insertAttempts(this.prisma, t, d, attempts),
      ...deadLetterWrites(this.prisma, t, d, end),
    ];
    await this.prisma.$transaction(writes);
  }

  async providerStatus(providerMessageId: string, status: 'sent' | 'delivered' | 'failed', error?: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ notification_id: string }[]>`
      WITH changed AS (
        UPDATE ${this.t.deliveries} SET status = ${status}, updated_at = now(),
          reason = CASE WHEN ${status} = 'failed' THEN 'provider_failed' ELSE reason END,
          last_error = COALESCE(${error ?? null}, last_error)
        WHERE provider_message_id = ${providerMessageId} AND status NOT IN ${FINAL} AND ${rank(Prisma.sql`status`)} < ${rank(Prisma.sql`${status}::text`)}
          AND NOT (${status} = 'failed' AND ${rank(Prisma.sql`status`)} >= 4)
        RETURNING ${CHANGED_COLUMNS}
      ), webhooks AS (${enqueueStatusWebhooks(this.t, this.w)})
      SELECT notification_id FROM changed`;
    if (rows.length > 0) return true;
    const known = await this.prisma.$queryRaw<{ n: number }[]>`SELECT 1 AS n FROM ${this.t.deliveries} WHERE provider_message_id = ${providerMessageId}`;
    return known.length > 0;
  }

  async tracked(notificationId: string, channel: OutOfBandChannel, status: 'opened' | 'clicked'): Promise<void> {
    await this.prisma.$executeRaw(this.withWebhooks(Prisma.sql`
      UPDATE ${this.t.deliveries} SET status = ${status}, updated_at = now()
      WHERE notification_id = ${notificationId}::uuid AND channel = ${channel}
        AND status NOT IN ${FINAL} AND ${rank(Prisma.sql`status`)} < ${rank(Prisma.sql`${status}::text`)} AND ${rank(Prisma.sql`status`)} >= 3`));
  }

  async dispatch(now: Date, limit: number, redispatchMs: number, leaseMs: number): Promise<DueDelivery[]> {
    const t = this.t;
    const redispatchAt = new Date(now.getTime() + redispatchMs);
    // Two statements, each on its own partial index (an OR of the two would scan the table every
    // sweep): rows whose time came (deliveries_retry_due_idx), and queued rows whose claim was
    // abandoned by a worker that died (deliveries_queued_idx; the message may be gone too).
    return this.prisma.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ notification_id: string; channel: string; urgent: boolean }[]>`
        WITH due AS (
          SELECT notification_id, channel FROM ${t.deliveries}
          WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ${now} AND status = 'queued'
          ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
        )
        UPDATE ${t.deliveries} d SET dispatched_at = ${now}, next_attempt_at = ${redispatchAt}
        FROM due WHERE d.notification_id = due.notification_id AND d.channel = due.channel
        RETURNING d.notification_id, d.channel, d.urgent`;
      const abandoned = await tx.$queryRaw<{ notification_id: string; channel: string; urgent: boolean }[]>`
        WITH due AS (
          SELECT notification_id, channel FROM ${t.deliveries}
          WHERE status = 'queued' AND next_attempt_at IS NULL AND claimed_at < ${new Date(now.getTime() - leaseMs)}
          LIMIT ${limit} FOR UPDATE SKIP LOCKED
        )
        UPDATE ${t.deliveries} d SET dispatched_at = ${now}, next_attempt_at = ${redispatchAt}
        FROM due WHERE d.notification_id = due.notification_id AND d.channel = due.channel
        RETURNING d.notification_id, d.channel, d.urgent`;
      return [...due, ...abandoned].map((r): DueDelivery => ({ notificationId: r.notification_id, channel: r.channel as OutOfBandChannel, urgent: r.urgent }));
    });
  }

  async undispatch(due: readonly DueDelivery[]): Promise<void> {
    if (due.length === 0) return;
    await this.prisma.$executeRaw`
      UPDATE ${this.t.deliveries} d SET next_attempt_at = now(), dispatched_at = NULL
      FROM unnest(${uuidArray(due.map((x) => x.notificationId))}, ${pgArray(due.map((x) => x.channel))}::text[]) AS u(id, channel)
      WHERE d.notification_id = u.id AND d.channel = u.channel AND d.status = 'queued' AND d.claimed_at IS NULL`;
  }

  async deadLetters(filter: { channel?: OutOfBandChannel; limit: number }): Promise<DeadLetter[]> {
    const where = filter.channel ? Prisma.sql`WHERE channel = ${filter.channel}` : Prisma.empty;
    const rows = await this.prisma.$queryRaw<{ id: string; notification_id: string; channel: string; recipient_id: string; status: string; reason: string; last_error: string | null; attempts: number; created_at: Date; replayed_at: Date | null }[]>`
      SELECT id, notification_id, channel, recipient_id, status, reason, last_error, attempts, created_at, replayed_at
      FROM ${this.t.deadLetters} ${where} ORDER BY created_at DESC LIMIT ${filter.limit}`;
    return rows.map((r) => ({
      id: r.id, notificationId: r.notification_id, channel: r.channel as OutOfBandChannel, recipientId: r.recipient_id, status: r.status as 'failed' | 'bounced',
      reason: r.reason, lastError: r.last_error, attempts: r.attempts, createdAt: r.created_at.toISOString(), replayedAt: r.replayed_at?.toISOString() ?? null,
    }));
  }

  async replay(deadLetterId: string, now: Date): Promise<ReplayResult> {
    const t = this.t;
    return this.prisma.$transaction(async (tx) => {
      const letters = await tx.$queryRaw<{ notification_id: string; channel: string; replayed_at: Date | null }[]>`
        SELECT notification_id, channel, replayed_at FROM ${t.deadLetters} WHERE id = ${deadLetterId}::uuid FOR UPDATE`;
      const letter = letters[0];
      if (!letter) return 'not_found';
      if (letter.replayed_at) return 'already_replayed';
      // Only what never went out is sent again: a delivery with a provider id or a sent time is left alone.
      const changed = await tx.$executeRaw`
        UPDATE ${t.deliveries} SET status = 'queued', reason = NULL, attempts = 0, next_attempt_at = ${now}, claimed_at = NULL, dispatched_at = NULL, updated_at = now()
        WHERE notification_id = ${letter.notification_id}::uuid AND channel = ${letter.channel}
          AND status IN ('failed', 'bounced') AND sent_at IS NULL AND provider_message_id IS NULL`;
      if (changed === 0) return 'already_sent';
      await tx.$executeRaw`UPDATE ${t.deadLetters} SET replayed_at = ${now} WHERE id = ${deadLetterId}::uuid`;
      return 'replayed';
    });
  }

  async oldestDueAgeSeconds(now: Date): Promise<Record<string, number>> {
    const rows = await this.prisma.$queryRaw<{ channel: string; due: Date | null }[]>`
      SELECT channel, min(COALESCE(dispatched_at, next_attempt_at)) AS due FROM ${this.t.deliveries}
      WHERE status = 'queued' AND claimed_at IS NULL AND COALESCE(dispatched_at, next_attempt_at) <= ${now} GROUP BY channel
      UNION ALL
      SELECT 'timer', min(fallback_at) FROM ${this.t.notifications} WHERE fallback_at IS NOT NULL AND fallback_at <= ${now}`;
    const out: Record<string, number> = {};
    for (const r of rows) out[r.channel] = r.due ? Math.max(0, (now.getTime() - r.due.getTime()) / 1000) : 0;
    return out;
  }

  async deadLetterDepth(): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM ${this.t.deadLetters} WHERE replayed_at IS NULL`;
    return rows[0]?.n ?? 0;
  }

  async sentAfterRead(): Promise<{ sent: number; afterRead: number }> {
    // One probe of the notification per send, in its recipient's partition (a subquery per row,
    // never turned into a join that would scan every partition for a day's sends).
    const rows = await this.prisma.$queryRaw<{ sent: number; after_read: number }[]>`
      SELECT count(*)::int AS sent,
        count(*) FILTER (WHERE (SELECT n.read_at FROM ${this.t.notifications} n WHERE n.recipient_id = d.recipient_id AND n.id = d.notification_id) < d.sent_at)::int AS after_read
      FROM ${this.t.deliveries} d
      WHERE d.sent_at > now() - interval '1 day'`;
    return { sent: rows[0]?.sent ?? 0, afterRead: rows[0]?.after_read ?? 0 };
  }
}

/**
 * A send that ended for good (a delivery's or a digest's): its dead letter, and on a bounce the
 * undeliverable address and the `user.address_bounced` event for user-service (which shows "this
 * address bounced" on the profile), told through the outbox in the same transaction.
 */
export function deadLetterWrites(
  db: NotificationPrisma,
  t: Tables,
  d: Pick<ClaimedDelivery, 'notificationId' | 'channel' | 'recipientId' | 'address' | 'attempts'>,
  end: { status: 'failed' | 'bounced'; reason: string; lastError: string; deadLetterId: string },
) {
  const writes = [
    db.$executeRaw`
      INSERT INTO ${t.deadLetters} (id, notification_id, channel, recipient_id, status, reason, last_error, attempts)
      VALUES (${end.deadLetterId}::uuid, ${d.notificationId}::uuid, ${d.channel}, ${d.recipientId}::uuid, ${end.status}, ${end.reason}, ${pgText(end.lastError)}, ${d.attempts})`,
  ];
  if (end.status !== 'bounced') return writes;
  writes.push(db.$executeRaw`
    INSERT INTO ${t.undeliverable} (user_id, channel, address, reason) VALUES (${d.recipientId}::uuid, ${d.channel}, ${d.address.toLowerCase()}, ${pgText(end.lastError)})
    ON CONFLICT (user_id, channel, address) DO UPDATE SET reason = EXCLUDED.reason, created_at = now()`);
  if (d.channel === 'email' || d.channel === 'sms' || d.channel === 'slack') {
    const row = outboxRow(createEvent('user.address_bounced', { userId: d.recipientId, channel: d.channel, address: d.address }, { producer: 'notification-service' }));
    writes.push(db.$executeRaw`
      INSERT INTO ${t.outbox} (id, routing_key, payload) VALUES (${row.id}::uuid, ${row.routingKey}, ${JSON.stringify(row.payload)}::jsonb)`);
  }
  return writes;
}

/** The attempts of one send (a delivery's or a digest's: `notificationId` names either). */
export function insertAttempts(db: NotificationPrisma, t: Tables, d: Pick<ClaimedDelivery, 'notificationId' | 'channel' | 'attempts'>, attempts: readonly AttemptRecord[]) {
  const list = attempts.length > 0 ? attempts : [{ provider: 'none', outcome: 'transient', latencyMs: 0 } as AttemptRecord];
  return db.$executeRaw`
    INSERT INTO ${t.attempts} (notification_id, channel, attempt, provider, outcome, error_class, error, latency_ms)
    SELECT ${d.notificationId}::uuid, ${d.channel}, ${d.attempts}, p, o, c, e, l FROM unnest(
      ${pgArray(list.map((a) => a.provider))}::text[], ${pgArray(list.map((a) => a.outcome))}::text[], ${pgArray(list.map((a) => a.errorClass ?? null))}::text[],
      ${pgArray(list.map((a) => (a.error ? pgText(a.error.slice(0, 1000)) : null)))}::text[], ${pgArray(list.map((a) => Math.round(a.latencyMs)))}::int[]) AS u(p, o, c, e, l)`;
}

function fireBatch(db: Db, t: Tables, p: PushTables): FireBatch {
  return {
    async claimDue(now, limit) {
      // Due timers are everyone's: the sweep reads each partition's partial index of live timers (in
      // due order, merged) and locks what it takes; then it updates each claimed row in its own
      // partition, the recipients given as constants so the update is planned on their partitions only.
      const due = await db.$queryRaw<{ recipient_id: string; id: string }[]>`
        SELECT recipient_id, id FROM ${t.notifications} WHERE fallback_at IS NOT NULL AND fallback_at <= ${now}
        ORDER BY fallback_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      if (due.length === 0) return [];
      const rows = await db.$queryRaw<(NotificationRow & { fallback_channels: string[] })[]>`
        UPDATE ${t.notifications} n SET fallback_at = NULL, fallback_reason = 'fired'
        FROM unnest(${uuidArray(due.map((d) => d.recipient_id))}, ${uuidArray(due.map((d) => d.id))}) AS due(recipient_id, id)
        WHERE ${ofRecipients(due.map((d) => d.recipient_id))} AND n.recipient_id = due.recipient_id AND n.id = due.id
        RETURNING ${notificationColumnsOf('n')}, n.fallback_channels`;
      return rows.map((row): FiredItem => ({ recipientId: row.recipient_id, notification: fromRow(row), channels: (row.fallback_channels ?? []) as OutOfBandChannel[] }));
    },

    async recipients(userIds) {
      const ids = uuidArray(new Set(userIds));
      const users = await db.$queryRaw<{ id: string; email: string | null; phone: string | null; timezone: string | null; preferences: unknown }[]>`
        SELECT r.id, u.email, u.phone, u.timezone, p.preferences
        FROM unnest(${ids}) AS r(id) LEFT JOIN ${t.users} u ON u.id = r.id LEFT JOIN ${t.preferences} p ON p.user_id = r.id`;
      const bounced = await db.$queryRaw<{ channel: string; address: string }[]>`
        SELECT channel, address FROM ${t.undeliverable} WHERE user_id = ANY(${ids})`;
      const preferences = new Map(users.map((u) => [u.id, preferencesOf(u.preferences, u.timezone)]));
      // Push: the person is the address while they have a subscription; the sender reads them all.
      const pushing = await usersWithPushSubscriptions(db, p, users.filter((u) => preferences.get(u.id)!.channels.push).map((u) => u.id));
      const addresses = new Map<string, Addresses>(users.map((u) => [u.id, { email: u.email, phone: u.phone, slackWebhookUrl: preferences.get(u.id)!.slackWebhookUrl ?? null, pushSubscription: pushing.has(u.id) ? u.id : null }]));
      return { preferences, addresses, undeliverable: new Set(bounced.map((b) => undeliverableKey(b.channel, b.address))) };
    },

    async defer(items) {
      if (items.length === 0) return;
      await db.$executeRaw`
        UPDATE ${t.notifications} n SET fallback_at = u.at, fallback_reason = NULL
        FROM unnest(${uuidArray(items.map((i) => i.recipientId))}, ${uuidArray(items.map((i) => i.notificationId))}, ${pgArray(items.map((i) => i.until.toISOString()))}::timestamptz[])
          AS u(recipient_id, id, at)
        WHERE ${ofRecipients(items.map((i) => i.recipientId))} AND n.recipient_id = u.recipient_id AND n.id = u.id`;
    },

    async insertDeliveries(rows) {
      if (rows.length === 0) return [];
      const inserted = await db.$queryRaw<{ notification_id: string; channel: string; urgent: boolean; status: string }[]>`
        INSERT INTO ${t.deliveries} (notification_id, channel, recipient_id, status, reason, address, urgent, next_attempt_at)
        SELECT u.*, CASE WHEN u.status = 'queued' THEN now() END FROM unnest(
          ${uuidArray(rows.map((r) => r.notificationId))}, ${pgArray(rows.map((r) => r.channel))}::text[], ${uuidArray(rows.map((r) => r.recipientId))},
          ${pgArray(rows.map((r) => r.status))}::text[], ${pgArray(rows.map((r) => (r.status === 'skipped' ? r.reason : null)))}::text[],
          ${pgArray(rows.map((r) => (r.status === 'queued' ? r.address : null)))}::text[], ${pgArray(rows.map((r) => r.urgent))}::boolean[])
          AS u(notification_id, channel, recipient_id, status, reason, address, urgent)
        ON CONFLICT (notification_id, channel) DO NOTHING
        RETURNING notification_id, channel, urgent, status`;
      return inserted.filter((r) => r.status === 'queued').map((r) => ({ notificationId: r.notification_id, channel: r.channel as OutOfBandChannel, urgent: r.urgent }));
    },
  };
}
