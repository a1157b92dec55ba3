import type pg from 'pg';
import type { SmtpSink } from './smtp-sink.js';

/**
 * Due out-of-band work made cheaply for load and crash tests: `count` people in the users
 * projection (address `<tag>-<i>@example.com`) and one unread notification each whose email
 * fallback timer is already due, in ONE statement. Nothing else exists for them (no preferences
 * row: the defaults, email on), which is what the sweep finds after FALLBACK_DELAY_MS for people
 * who were away. Timers are spread 1 ms apart in `i` order.
 */
export async function insertDueEmails(
  pool: pg.Pool,
  schema: string,
  opts: { count: number; tag: string; priority?: 'normal' | 'critical'; title?: string },
): Promise<{ ids: string[]; addressOf(i: number): string }> {
  if (!/^[a-z0-9]{1,12}$/.test(opts.tag)) throw new Error('tag: 1-12 lowercase letters or digits');
  const { rows } = await pool.query<{ id: string }>(
    `WITH src AS (
       SELECT i, gen_random_uuid() AS uid, gen_random_uuid() AS nid FROM generate_series(1, $1::int) AS i
     ), people AS (
       INSERT INTO "${schema}".users (id, username, display_name, email, phone, locale, timezone, as_of)
       SELECT uid, $2 || '_' || i, 'Person ' || i, $2 || '-' || i || '@example.com', NULL, 'en', 'UTC', now() FROM src
     )
     INSERT INTO "${schema}".notifications (id, recipient_id, type, category, priority, title, body, data, created_at, fallback_at, fallback_channels)
     SELECT nid, uid, 'follow', 'informational', $3, $4, 'Someone followed you while you were away.', '{}'::jsonb,
       now() - interval '10 minutes', now() - interval '1 minute' + i * interval '1 millisecond', ARRAY['email']::varchar(8)[]
     FROM src
     RETURNING id`,
    [opts.count, opts.tag, opts.priority ?? 'normal', opts.title ?? 'New follower'],
  );
  return { ids: rows.map((r) => r.id), addressOf: (i) => `${opts.tag}-${i}@example.com` };
}

/** The Message-ID Herald gives a delivery's email (`<notification id>.email` at herald). */
export const emailMessageId = (notificationId: string) => `<${notificationId}.email@herald>`;

interface Seen {
  count: number;
  /** Order of first arrival among every message this ledger saw (0-based). */
  seq: number;
  /** When this process first saw it (polled, so up to `pollMs` late). */
  firstAt: number;
}

/**
 * What an SmtpSink received, by Message-ID, kept small: the sink's parsed messages (raw text, HTML)
 * are drained every `pollMs` and only the id, a count and the first arrival are kept, so tens of
 * thousands of messages cost a few MB.
 */
export class MailLedger {
  private readonly seen = new Map<string, Seen>();
  private readonly timer: NodeJS.Timeout;
  /** Every message received, duplicates included. */
  total = 0;
  /** When the last message arrived (ms since epoch, polled). */
  lastAt = 0;

  constructor(
    private readonly sink: SmtpSink,
    pollMs = 20,
  ) {
    this.timer = setInterval(() => this.drain(), pollMs);
  }

  drain(): void {
    const batch = this.sink.messages.splice(0);
    if (batch.length === 0) return;
    const now = Date.now();
    for (const mail of batch) {
      const id = mail.messageId ?? '<none>';
      const entry = this.seen.get(id);
      if (entry) entry.count++;
      else this.seen.set(id, { count: 1, seq: this.total, firstAt: now });
      this.total++;
    }
    this.lastAt = now;
  }

  get distinct(): number {
    return this.seen.size;
  }

  get(messageId: string): Readonly<Seen> | undefined {
    return this.seen.get(messageId);
  }

  has(messageId: string): boolean {
    return this.seen.has(messageId);
  }

  /** Message-IDs seen that are not in `expected`. */
  unexpected(expected: ReadonlySet<string>): string[] {
    return [...this.seen.keys()].filter((id) => !expected.has(id));
  }

  /** Copies beyond the first, summed over every Message-ID. */
  duplicates(): number {
    let extra = 0;
    for (const { count } of this.seen.values()) extra += count - 1;
    return extra;
  }

  /** Messages whose first arrival came before `messageId`'s and that satisfy `filter`. */
  countBefore(messageId: string, filter: (id: string) => boolean): number {
    const at = this.seen.get(messageId)?.seq;
    if (at === undefined) throw new Error(`${messageId} was not received`);
    let n = 0;
    for (const [id, { seq }] of this.seen) if (seq < at && filter(id)) n++;
    return n;
  }

  stop(): void {
    clearInterval(this.timer);
    this.drain();
  }
}

/** Nearest-rank percentile of numbers (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface EmailDeliveryState {
  /** Email delivery rows. */
  rows: number;
  sent: number;
  /** `queued` with neither a claim nor a pending retry: their work message is in RabbitMQ, or lost. */
  unclaimed: number;
  /** Ids of the `unclaimed` rows (at most 20). */
  unclaimedIds: string[];
  /** Milliseconds since any email delivery row last changed. */
  quietMs: number;
}

export async function emailDeliveryState(pool: pg.Pool, schema: string): Promise<EmailDeliveryState> {
  const { rows } = await pool.query<{ rows: number; sent: number; unclaimed: number; unclaimed_ids: string[] | null; quiet_ms: number | null }>(
    `SELECT count(*)::int AS rows, count(*) FILTER (WHERE status = 'sent')::int AS sent,
       count(*) FILTER (WHERE status = 'queued' AND claimed_at IS NULL AND (dispatched_at IS NOT NULL OR next_attempt_at <= clock_timestamp()))::int AS unclaimed,
       (array_agg(notification_id::text) FILTER (WHERE status = 'queued' AND claimed_at IS NULL AND (dispatched_at IS NOT NULL OR next_attempt_at <= clock_timestamp())))[1:20] AS unclaimed_ids,
       (extract(epoch FROM clock_timestamp() - max(updated_at)) * 1000)::float8 AS quiet_ms
     FROM "${schema}".deliveries WHERE channel = 'email'`,
  );
  const r = rows[0]!;
  return { rows: r.rows, sent: r.sent, unclaimed: r.unclaimed, unclaimedIds: r.unclaimed_ids ?? [], quietMs: r.quiet_ms ?? 0 };
}

/**
 * Waits until the email deliveries have settled: every one of the `expected` rows is `sent`, or
 * nothing has moved for `stallMs` while the only unfinished rows are `queued` without a claim or a
 * pending retry (their work message was consumed without effect or never published: lost). The
 * caller asserts on what it gets; a stall ends the wait early instead of running into the deadline.
 */
export async function waitForEmailsSettled(pool: pg.Pool, schema: string, expected: number, opts: { stallMs?: number; deadlineMs: number }): Promise<EmailDeliveryState> {
  const stallMs = opts.stallMs ?? 5000;
  const deadline = Date.now() + opts.deadlineMs;
  for (;;) {
    const state = await emailDeliveryState(pool, schema);
    if (state.rows >= expected && state.sent === state.rows) return state;
    if (state.rows >= expected && state.sent + state.unclaimed === state.rows && state.quietMs > stallMs) return state;
    if (Date.now() > deadline) return state;
    await new Promise((r) => setTimeout(r, 200));
  }
}
