import type { AttemptRecord, OutOfBandChannel } from '../domain/channels.js';
import type { ClaimResult, ReplayResult } from '../domain/channel-ports.js';
import type {
  ClaimedDigest,
  DigestBatch,
  DigestCandidate,
  DigestPerson,
  DigestRunKey,
  DigestStore,
  DueDigest,
  HeldRow,
} from '../domain/digest-ports.js';
import type { DigestFrequency } from '../domain/digest-schedule.js';
import { undeliverableKey } from '../domain/fallback-rules.js';
import type { NotificationType } from '../domain/notification.js';
import { Prisma } from '../generated/prisma/client.js';
import { tables, type Db, type NotificationPrisma, type Tables } from './prisma-client.js';
import { fromRow, notificationColumnsOf, ofRecipients, type NotificationRow } from './prisma-inbox-rows.js';
import { pgArray, pgText, uuidArray } from './pg-safe.js';
import { preferencesOf } from './prisma-preference-store.js';
import { deadLetterWrites, insertAttempts } from './prisma-channel-store.js';
import { pushTables, usersWithPushSubscriptions, type PushTables } from './prisma-push-subscription-store.js';
import { CHANGED_COLUMNS, enqueueStatusWebhooks, webhookTables, type WebhookTables } from './prisma-webhook-store.js';

/** As PrismaChannelStore: after a claim ran out without an outcome, wait this long (capped by the lease) before sending again. */
const CLAIM_LOST_GRACE_MS = 5_000;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A held row, waiting for its digest: `pending` with `digest` set (held at fan-out), or `queued`
 * with `digest` set (a delivery over the person's throttle, prisma-throttle.ts), and not taken by a
 * digest yet. Written out exactly as deliveries_digest_idx's predicate, so the planner uses it.
 */
const HELD = Prisma.sql`d.digest IS NOT NULL AND d.digest_id IS NULL AND d.status IN ('pending', 'queued')`;

function digestTables(schema: string) {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  return { digests: Prisma.raw(`"${schema}"."digests"`), runs: Prisma.raw(`"${schema}"."digest_runs"`) };
}

type DigestTables = ReturnType<typeof digestTables>;

interface DigestRow {
  id: string;
  recipient_id: string;
  frequency: string;
  period: string;
  channel: string;
  status: string;
  notification_ids: string[];
  address: string | null;
  attempts: number;
  claimed_at: Date | null;
  dispatched_at: Date | null;
  live_claim: boolean;
  claim_lost_at: Date | null;
  grace_over: boolean;
  created_at: Date;
  username: string | null;
  display_name: string | null;
  locale: string | null;
}

/**
 * Digests on PostgreSQL (docs/channels.md "Digests"). The held rows are `deliveries` rows with
 * `digest` set and no `digest_id` (HELD, found by deliveries_digest_idx); a run key in `digest_runs`
 * takes them once per person and period; a digest in `digests` is then sent like a delivery: the
 * same claim, lease, grace after a lost claim, retries and dead letter as PrismaChannelStore, on
 * its own row. Items taken by a digest wait as `queued` with `digest_id` set and NO address, claim
 * or due time, so the per-item dispatch and workers never see them; they end with their digest.
 */
export class PrismaDigestStore implements DigestStore {
  private readonly t: Tables;
  private readonly g: DigestTables;
  private readonly w: WebhookTables;
  private readonly p: PushTables;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
  ) {
    this.t = tables(schema);
    this.g = digestTables(schema);
    this.w = webhookTables(schema);
    this.p = pushTables(schema);
  }

  async candidates(after: DigestCandidate | null, limit: number): Promise<DigestCandidate[]> {
    const from = after ? Prisma.sql`AND (d.digest, d.recipient_id) > (${after.frequency}::text, ${after.recipientId}::uuid)` : Prisma.empty;
    const rows = await this.prisma.$queryRaw<{ digest: string; recipient_id: string }[]>`
      SELECT d.digest, d.recipient_id FROM ${this.t.deliveries} d
      WHERE ${HELD} ${from}
      GROUP BY d.digest, d.recipient_id ORDER BY d.digest, d.recipient_id LIMIT ${limit}`;
    return rows.filter((r) => r.digest === 'daily' || r.digest === 'weekly').map((r) => ({ recipientId: r.recipient_id, frequency: r.digest as DigestFrequency }));
  }

  async people(userIds: readonly string[]): Promise<{ people: Map<string, DigestPerson>; undeliverable: Set<string> }> {
    const ids = uuidArray(new Set(userIds));
    const users = await this.prisma.$queryRaw<{ id: string; email: string | null; phone: string | null; timezone: string | null; locale: string | null; preferences: unknown }[]>`
      SELECT r.id, u.email, u.phone, u.timezone, u.locale, p.preferences
      FROM unnest(${ids}) AS r(id) LEFT JOIN ${this.t.users} u ON u.id = r.id LEFT JOIN ${this.t.preferences} p ON p.user_id = r.id`;
    const bounced = await this.prisma.$queryRaw<{ channel: string; address: string }[]>`
      SELECT channel, address FROM ${this.t.undeliverable} WHERE user_id = ANY(${ids})`;
    const preferences = new Map(users.map((u) => [u.id, preferencesOf(u.preferences, u.timezone)]));
    // Push: the person is the address while they have a subscription (as when a timer fires).
    const pushing = await usersWithPushSubscriptions(this.prisma, this.p, users.filter((u) => preferences.get(u.id)!.channels.push).map((u) => u.id));
    const people = new Map<string, DigestPerson>();
    for (const u of users) {
      const prefs = preferences.get(u.id)!;
      const addresses = { email: u.email, phone: u.phone, slackWebhookUrl: prefs.slackWebhookUrl ?? null, pushSubscription: pushing.has(u.id) ? u.id : null };
      people.set(u.id, { preferences: prefs, addresses, locale: u.locale });
    }
    return { people, undeliverable: new Set(bounced.map((b) => undeliverableKey(b.channel, b.address))) };
  }

  async unclaimed(keys: readonly DigestRunKey[]): Promise<DigestRunKey[]> {
    if (keys.length === 0) return [];
    const { t, g } = this;
    const rows = await this.prisma.$queryRaw<{ recipient_id: string; frequency: string; period: string; at: Date }[]>`
      SELECT k.recipient_id, k.frequency, k.period, k.at
      FROM ${unnestKeys(keys)}
      WHERE NOT EXISTS (SELECT 1 FROM ${g.runs} r WHERE r.recipient_id = k.recipient_id AND r.frequency = k.frequency AND r.period = k.period)
        AND EXISTS (
          SELECT 1 FROM ${t.deliveries} d JOIN ${t.notifications} n ON n.recipient_id = d.recipient_id AND n.id = d.notification_id
          WHERE d.recipient_id = k.recipient_id AND d.digest = k.frequency AND ${HELD}
            AND n.created_at < k.at AND ${ofRecipients(keys.map((k) => k.recipientId))})`;
    return rows.map(toKey);
  }

  run<T>(work: (batch: DigestBatch) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((tx) => work(digestBatch(tx, this.t, this.g)));
  }

  async dispatch(now: Date, limit: number, redispatchMs: number, leaseMs: number): Promise<DueDigest[]> {
    const g = this.g;
    const redispatchAt = new Date(now.getTime() + redispatchMs);
    return this.prisma.$transaction(async (tx) => {
      // As deliveries: two statements, each on its own partial index (due rows; abandoned claims).
      const due = await tx.$queryRaw<{ id: string; channel: string }[]>`
        WITH due AS (
          SELECT id FROM ${g.digests} WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ${now} AND status = 'queued'
          ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
        )
        UPDATE ${g.digests} x SET dispatched_at = ${now}, next_attempt_at = ${redispatchAt} FROM due WHERE x.id = due.id
        RETURNING x.id, x.channel`;
      const abandoned = await tx.$queryRaw<{ id: string; channel: string }[]>`
        WITH due AS (
          SELECT id FROM ${g.digests} WHERE status = 'queued' AND next_attempt_at IS NULL AND claimed_at < ${new Date(now.getTime() - leaseMs)}
          LIMIT ${limit} FOR UPDATE SKIP LOCKED
        )
        UPDATE ${g.digests} x SET dispatched_at = ${now}, next_attempt_at = ${redispatchAt} FROM due WHERE x.id = due.id
        RETURNING x.id, x.channel`;
      return [...due, ...abandoned].map((r) => ({ digestId: r.id, channel: r.channel as OutOfBandChannel }));
    });
  }

  async undispatch(due: readonly DueDigest[]): Promise<void> {
    if (due.length === 0) return;
    await this.prisma.$executeRaw`
      UPDATE ${this.g.digests} SET next_attempt_at = now(), dispatched_at = NULL
      WHERE id = ANY(${uuidArray(due.map((d) => d.digestId))}) AND status = 'queued' AND claimed_at IS NULL`;
  }

  async claim(digestId: string, channel: OutOfBandChannel, leaseMs: number): Promise<ClaimResult> {
    const { t, g } = this;
    const graceMs = Math.min(leaseMs, CLAIM_LOST_GRACE_MS);
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<DigestRow[]>`
        SELECT x.id, x.recipient_id, x.frequency, x.period, x.channel, x.status, x.notification_ids, x.address, x.attempts, x.claimed_at, x.dispatched_at,
          (x.claimed_at IS NOT NULL AND x.claimed_at > now() - make_interval(secs => ${leaseMs / 1000})) AS live_claim,
          x.claim_lost_at, (x.claim_lost_at IS NOT NULL AND x.claim_lost_at <= now() - make_interval(secs => ${graceMs / 1000})) AS grace_over,
          x.created_at, u.username, u.display_name, u.locale
        FROM ${g.digests} x LEFT JOIN ${t.users} u ON u.id = x.recipient_id
        WHERE x.id = ${digestId}::uuid AND x.channel = ${channel}
        FOR UPDATE OF x`;
      const row = rows[0];
      // The same rules as a delivery's claim (PrismaChannelStore.claim): only a dispatched digest,
      // or one whose worker died mid-send, is claimable.
      if (!row || row.status !== 'queued' || (row.dispatched_at === null && row.claimed_at === null) || !row.address) return { kind: 'gone' };
      if (row.live_claim) {
        await tx.$executeRaw`
          UPDATE ${g.digests} SET next_attempt_at = claimed_at + make_interval(secs => ${leaseMs / 1000}), dispatched_at = NULL WHERE id = ${digestId}::uuid`;
        return { kind: 'busy' };
      }
      if (row.claimed_at !== null && !row.grace_over) {
        await tx.$executeRaw`
          UPDATE ${g.digests} SET claim_lost_at = COALESCE(claim_lost_at, now()), dispatched_at = NULL,
            next_attempt_at = COALESCE(claim_lost_at, now()) + make_interval(secs => ${graceMs / 1000})
          WHERE id = ${digestId}::uuid`;
        return { kind: 'busy' };
      }
      await tx.$executeRaw`
        UPDATE ${g.digests} SET claimed_at = now(), claim_lost_at = NULL, attempts = attempts + 1, dispatched_at = NULL, next_attempt_at = NULL, updated_at = now()
        WHERE id = ${digestId}::uuid`;
      // What it says is read now, at each attempt: items read (or superseded) since the run are left out.
      const items = await tx.$queryRaw<NotificationRow[]>`
        SELECT ${notificationColumnsOf('n')}
        FROM ${t.deliveries} d JOIN ${t.notifications} n ON n.recipient_id = d.recipient_id AND n.id = d.notification_id
        WHERE d.recipient_id = ${row.recipient_id}::uuid AND d.notification_id = ANY(${uuidArray(row.notification_ids)}) AND d.channel = ${channel}
          AND d.digest_id = ${digestId}::uuid AND d.status = 'queued'
          AND n.recipient_id = ${row.recipient_id}::uuid AND n.read_at IS NULL AND n.superseded_by IS NULL`;
      const notifications = items.map(fromRow);
      const now = new Date();
      const claimed: ClaimedDigest = {
        notificationId: row.id,
        channel,
        recipientId: row.recipient_id,
        address: row.address,
        attempts: row.attempts + 1,
        urgent: false,
        // What the channel worker reads of a delivery: `readAt` set when nothing is left unread
        // (it then cancels the digest), the title for the in-app notice should the digest fail.
        notification: {
          id: row.id,
          type: 'system',
          category: 'informational',
          priority: 'normal',
          title: `Your ${row.frequency} digest`,
          body: '',
          data: { digest: row.frequency, period: row.period },
          createdAt: row.created_at.toISOString(),
          readAt: notifications.length === 0 ? now.toISOString() : null,
        },
        previousClaimLost: row.claimed_at !== null,
        digest: {
          id: row.id,
          frequency: row.frequency as DigestFrequency,
          period: row.period,
          items: notifications,
          locale: row.locale,
          recipient: { name: (row.display_name ?? '').trim() || row.username || '', username: row.username ?? '' },
        },
      };
      return { kind: 'claimed', delivery: claimed };
    });
  }

  async cancelClaimed(d: ClaimedDigest, reason: 'read'): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE ${this.g.digests} SET status = 'cancelled', reason = ${reason}, claimed_at = NULL, attempts = attempts - 1, updated_at = now()
      WHERE id = ${d.notificationId}::uuid AND status = 'queued'`;
  }

  async deferClaimed(d: ClaimedDigest, at: Date): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE ${this.g.digests} SET next_attempt_at = ${at}, claimed_at = NULL, dispatched_at = NULL, attempts = attempts - 1, updated_at = now()
      WHERE id = ${d.notificationId}::uuid AND status = 'queued'`;
  }

  async recordSent(d: ClaimedDigest, result: { provider: string; providerMessageId?: string; status: 'sent' | 'delivered'; sentAt: Date }, attempts: readonly AttemptRecord[]) {
    const { t, g } = this;
    const sentIds = uuidArray(d.digest.items.map((i) => i.id));
    await this.prisma.$transaction([
      this.prisma.$executeRaw`
        UPDATE ${g.digests} SET status = ${result.status}, provider = ${result.provider}, provider_message_id = ${result.providerMessageId ?? null},
          sent_at = ${result.sentAt}, claimed_at = NULL, next_attempt_at = NULL, dispatched_at = NULL, last_error = NULL, reason = NULL, updated_at = now()
        WHERE id = ${d.notificationId}::uuid AND status = 'queued'`,
      // Each item in the message went out with it: `sent` (Slack: `delivered`), or `read` for one the
      // person read while it was being sent (the read cancelled its row; it went out all the same).
      this.prisma.$executeRaw(this.withWebhooks(Prisma.sql`
        UPDATE ${t.deliveries} SET status = CASE WHEN status = 'queued' THEN ${result.status} ELSE 'read' END, reason = NULL,
          provider = ${result.provider}, sent_at = ${result.sentAt}, attempts = ${d.attempts}, last_error = NULL, updated_at = now()
        WHERE recipient_id = ${d.recipientId}::uuid AND notification_id = ANY(${sentIds}) AND channel = ${d.channel} AND digest_id = ${d.notificationId}::uuid
          AND (status = 'queued' OR (status = 'cancelled' AND reason = 'read'))`)),
      insertAttempts(this.prisma, t, d, attempts),
    ]);
  }

  async recordRetry(d: ClaimedDigest, at: Date, lastError: string, provider: string | undefined, attempts: readonly AttemptRecord[]) {
    await this.prisma.$transaction([
      this.prisma.$executeRaw`
        UPDATE ${this.g.digests} SET next_attempt_at = ${at}, claimed_at = NULL, dispatched_at = NULL, last_error = ${pgText(lastError)}, provider = ${provider ?? null}, updated_at = now()
        WHERE id = ${d.notificationId}::uuid AND status = 'queued'`,
      insertAttempts(this.prisma, this.t, d, attempts),
    ]);
  }

  async recordFinal(d: ClaimedDigest, end: { status: 'failed' | 'bounced'; reason: string; lastError: string; provider?: string; deadLetterId: string }, attempts: readonly AttemptRecord[]) {
    const { t, g } = this;
    const writes = [
      this.prisma.$executeRaw`
        UPDATE ${g.digests} SET status = ${end.status}, reason = ${end.reason}, last_error = ${pgText(end.lastError)}, provider = ${end.provider ?? null},
          claimed_at = NULL, next_attempt_at = NULL, dispatched_at = NULL, updated_at = now()
        WHERE id = ${d.notificationId}::uuid AND status = 'queued'`,
      // The items waiting for it end with it, so their status says where each went.
      this.prisma.$executeRaw(this.withWebhooks(Prisma.sql`
        UPDATE ${t.deliveries} SET status = ${end.status}, reason = ${end.reason}, last_error = ${pgText(end.lastError)}, provider = ${end.provider ?? null},
          attempts = ${d.attempts}, updated_at = now()
        WHERE recipient_id = ${d.recipientId}::uuid AND channel = ${d.channel} AND digest_id = ${d.notificationId}::uuid AND status = 'queued'`)),
      insertAttempts(this.prisma, t, d, attempts),
      // The dead letter names the digest by its id (dead_letters.notification_id); a replay finds it there.
      ...deadLetterWrites(this.prisma, t, d, end),
    ];
    await this.prisma.$transaction(writes);
  }

  async replay(deadLetterId: string, now: Date): Promise<ReplayResult | null> {
    const { t, g } = this;
    return this.prisma.$transaction(async (tx) => {
      const letters = await tx.$queryRaw<{ notification_id: string; channel: string; replayed_at: Date | null; is_digest: boolean }[]>`
        SELECT l.notification_id, l.channel, l.replayed_at, EXISTS (SELECT 1 FROM ${g.digests} x WHERE x.id = l.notification_id) AS is_digest
        FROM ${t.deadLetters} l WHERE l.id = ${deadLetterId}::uuid FOR UPDATE OF l`;
      const letter = letters[0];
      if (!letter || !letter.is_digest) return null;
      if (letter.replayed_at) return 'already_replayed';
      const digests = await tx.$queryRaw<{ recipient_id: string }[]>`
        UPDATE ${g.digests} SET status = 'queued', reason = NULL, attempts = 0, next_attempt_at = ${now}, claimed_at = NULL, dispatched_at = NULL, updated_at = now()
        WHERE id = ${letter.notification_id}::uuid AND status IN ('failed', 'bounced') AND sent_at IS NULL AND provider_message_id IS NULL
        RETURNING recipient_id`;
      if (digests.length === 0) return 'already_sent';
      await tx.$executeRaw`
        UPDATE ${t.deliveries} SET status = 'queued', reason = NULL, attempts = 0, updated_at = now()
        WHERE recipient_id = ${digests[0]!.recipient_id}::uuid AND channel = ${letter.channel} AND digest_id = ${letter.notification_id}::uuid AND status IN ('failed', 'bounced')`;
      await tx.$executeRaw`UPDATE ${t.deadLetters} SET replayed_at = ${now} WHERE id = ${deadLetterId}::uuid`;
      return 'replayed';
    });
  }

  /** `WITH changed AS (<update RETURNING CHANGED_COLUMNS>)` + the status webhooks it owes: one statement. */
  private withWebhooks(update: Prisma.Sql): Prisma.Sql {
    return Prisma.sql`WITH changed AS (${update} RETURNING ${CHANGED_COLUMNS}) ${enqueueStatusWebhooks(this.t, this.w)}`;
  }
}

function toKey(r: { recipient_id: string; frequency: string; period: string; at?: Date; due_at?: Date }): DigestRunKey {
  return { recipientId: r.recipient_id, frequency: r.frequency as DigestFrequency, period: r.period, at: (r.at ?? r.due_at)! };
}

/** The keys as a relation `k(recipient_id, frequency, period, at)`. */
function unnestKeys(keys: readonly DigestRunKey[]): Prisma.Sql {
  return Prisma.sql`unnest(${uuidArray(keys.map((k) => k.recipientId))}, ${pgArray(keys.map((k) => k.frequency))}::text[], ${pgArray(keys.map((k) => k.period))}::text[],
    ${pgArray(keys.map((k) => k.at.toISOString()))}::timestamptz[]) AS k(recipient_id, frequency, period, at)`;
}

function digestBatch(db: Db, t: Tables, g: DigestTables): DigestBatch {
  return {
    async claimRuns(keys) {
      if (keys.length === 0) return [];
      // Sorted: two sweeps claiming the same people queue on the same first key instead of
      // deadlocking. A key another transaction inserted waits for its end: committed, it is a
      // conflict (skipped); rolled back, it is ours.
      const rows = await db.$queryRaw<{ recipient_id: string; frequency: string; period: string; due_at: Date }[]>`
        INSERT INTO ${g.runs} (recipient_id, frequency, period, due_at)
        SELECT k.recipient_id, k.frequency, k.period, k.at FROM ${unnestKeys(keys)} ORDER BY k.recipient_id, k.frequency, k.period
        ON CONFLICT DO NOTHING
        RETURNING recipient_id, frequency, period, due_at`;
      return rows.map(toKey);
    },

    async takeRows(keys) {
      if (keys.length === 0) return [];
      const rows = await db.$queryRaw<{ notification_id: string; recipient_id: string; channel: string; digest: string; type: string; read: boolean; superseded: boolean }[]>`
        SELECT d.notification_id, d.recipient_id, d.channel, d.digest, n.type, n.read_at IS NOT NULL AS read, n.superseded_by IS NOT NULL AS superseded
        FROM ${unnestKeys(keys)}
        JOIN ${t.deliveries} d ON d.recipient_id = k.recipient_id AND d.digest = k.frequency AND ${HELD}
        JOIN ${t.notifications} n ON n.recipient_id = d.recipient_id AND n.id = d.notification_id
        WHERE n.created_at < k.at AND ${ofRecipients(keys.map((k) => k.recipientId))}
        ORDER BY d.notification_id, d.channel
        FOR UPDATE OF d SKIP LOCKED`;
      return rows.map((r): HeldRow => ({
        notificationId: r.notification_id,
        recipientId: r.recipient_id,
        channel: r.channel as OutOfBandChannel,
        frequency: r.digest as DigestFrequency,
        type: r.type as NotificationType,
        read: r.read,
        superseded: r.superseded,
      }));
    },

    async settle(rows) {
      if (rows.length === 0) return;
      await db.$executeRaw`
        UPDATE ${t.deliveries} d SET status = u.status, reason = u.reason, digest_id = u.digest_id, updated_at = now()
        FROM unnest(${uuidArray(rows.map((r) => r.recipientId))}, ${uuidArray(rows.map((r) => r.notificationId))}, ${pgArray(rows.map((r) => r.channel))}::text[],
          ${pgArray(rows.map((r) => r.status))}::text[], ${pgArray(rows.map((r) => r.reason))}::text[], ${pgArray(rows.map((r) => r.digestId))}::uuid[])
          AS u(recipient_id, notification_id, channel, status, reason, digest_id)
        WHERE d.recipient_id = u.recipient_id AND d.notification_id = u.notification_id AND d.channel = u.channel AND ${HELD}`;
    },

    async insertDigests(digests) {
      if (digests.length === 0) return;
      // Each digest's item ids travel as one text ('{a,b}') and become its uuid[].
      await db.$executeRaw`
        INSERT INTO ${g.digests} (id, recipient_id, frequency, period, channel, status, notification_ids, item_count, address, next_attempt_at)
        SELECT u.id, u.recipient_id, u.frequency, u.period, u.channel, 'queued', u.ids::uuid[], cardinality(u.ids::uuid[]), u.address, now()
        FROM unnest(${uuidArray(digests.map((d) => d.id))}, ${uuidArray(digests.map((d) => d.recipientId))}, ${pgArray(digests.map((d) => d.frequency))}::text[],
          ${pgArray(digests.map((d) => d.period))}::text[], ${pgArray(digests.map((d) => d.channel))}::text[], ${pgArray(digests.map((d) => pgArray(d.notificationIds)))}::text[],
          ${pgArray(digests.map((d) => d.address))}::text[])
          AS u(id, recipient_id, frequency, period, channel, ids, address)`;
    },
  };
}

