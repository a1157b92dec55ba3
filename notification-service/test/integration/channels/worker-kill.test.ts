import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { applyMigrations, createPgPool, generateTokenKeys } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { MIGRATIONS_DIR } from '../../../src/service.js';
import { AMQP_URL, deleteTopology, uniqueTopology } from '../../support/amqp-topology.js';
import { emailMessageId, insertDueEmails, MailLedger, waitForEmailsSettled } from '../../support/due-emails.js';
import { SCHEMA, waitFor } from '../../support/harness.js';
import { scrapeCounter, startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { SmtpSink } from '../../support/smtp-sink.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DUE = 400;
/** Every 8th address is greylisted: its first attempt is answered 451, later ones are accepted. */
const GREYLIST_EVERY = 8;
const RETRY_MAX_MS = 3000;
const SWEEP_MS = 100;

/** A Set whose members answer `has` once: the sink defers each listed recipient's first RCPT only. */
class FirstTimeOnly extends Set<string> {
  override has(value: string): boolean {
    return super.has(value) && this.delete(value);
  }
}

/** The SMTP sink, greylisting: `deferRecipients` get `451 4.3.0` on their first attempt and are accepted after. */
class GreylistingSink extends SmtpSink {
  override readonly deferRecipients = new FirstTimeOnly();
}

/**
 * Two notification-service processes on one database and one broker. The SMTP server is slow
 * (300 ms per message) and greylists some recipients, so when one instance is SIGKILLed it has
 * sends in flight and retries are waiting in PostgreSQL. While it is down those retries fall due;
 * then it is started again. Every due email must arrive once, except the sends the dead instance had
 * in flight, which may arrive twice: at most herald_ambiguous_sends_total of them. Nothing is left
 * `queued`, and the retries that fell due during the outage were sent, none before its time.
 */
describe('an instance SIGKILLed mid-send while retries wait, then restarted', () => {
  const topology = uniqueTopology('kill');
  const redisPrefix = `test:kill:${topology.suffix}:`;
  const sink = new GreylistingSink();
  const keys = generateTokenKeys();
  const processes: ServiceProcess[] = [];
  let db: TestDatabase;
  let pool: pg.Pool;
  let ledger: MailLedger;
  let env: Record<string, string>;

  const start = async (name: string) => {
    const proc = await startServiceProcess(name, { ...env, INSTANCE_ID: `${name}-${topology.suffix}` });
    processes.push(proc);
    return proc;
  };

  beforeAll(async () => {
    sink.delayMs = 300;
    await sink.start();
    ledger = new MailLedger(sink);
    db = await createTestDatabase('notif_worker_kill');
    pool = createPgPool(db.url, { max: 4 });
    await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
    env = {
      DATABASE_URL: db.url,
      DATABASE_SCHEMA: SCHEMA,
      AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_WORK_EXCHANGE: topology.workExchange,
      AMQP_QUEUE_PREFIX: topology.queuePrefix,
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      JWT_PUBLIC_KEY: keys.publicKey,
      FALLBACK_DELAY_MS: '1000',
      CHANNEL_SWEEP_MS: String(SWEEP_MS),
      CHANNEL_RETRY_BASE_MS: String(RETRY_MAX_MS),
      CHANNEL_RETRY_MAX_MS: String(RETRY_MAX_MS),
      // A breaker opened by a run of 451s turns sends into quick retries for 30 s; never dead-letter them here.
      CHANNEL_MAX_ATTEMPTS: '100',
      CHANNEL_CONCURRENCY: '4',
      CHANNEL_CLAIM_LEASE_MS: '1000',
      SMTP_URL: sink.url,
      MAIL_FROM: 'Herald <notifications@herald.test>',
      PUBLIC_URL: 'http://herald.test',
      TRACKING_SECRET: 'test-tracking-secret-0123456789',
    };
  });

  afterAll(async () => {
    for (const proc of processes) await proc.stop(5000);
    ledger?.stop();
    await sink.stop();
    await pool?.end();
    await db?.drop();
    await deleteTopology(topology);
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
        if (found.length > 0) await redis.del(...found);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });

  it('every due email arrives once (at most the ambiguous sends twice), nothing stays queued, retries due during the outage go out after they fall due', { timeout: 240_000 }, async () => {
    // Every wait shares one budget, shorter than the test's timeout.
    const budgetEnd = Date.now() + 200_000;
    const left = () => Math.max(1000, budgetEnd - Date.now());
    const [a, b] = await Promise.all([start('a'), start('b')]);

    const greylisted = Array.from({ length: DUE }, (_, k) => k + 1).filter((i) => i % GREYLIST_EVERY === 1);
    const due = await insertDueEmails(pool, SCHEMA, { count: DUE, tag: 'wk' });
    for (const i of greylisted) sink.deferRecipients.add(due.addressOf(i));
    const expected = new Set(due.ids.map(emailMessageId));

    // Kill once sends are flowing on both instances and some greylisted deliveries wait for a retry.
    const pendingRetries = async (marginMs: number) =>
      (await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${SCHEMA}.deliveries WHERE channel = 'email' AND status = 'queued' AND dispatched_at IS NULL AND claimed_at IS NULL
           AND next_attempt_at > clock_timestamp() + make_interval(secs => $1::float8 / 1000)`,
        [marginMs],
      )).rows[0]!.n;
    await waitFor(async () => ledger.total >= DUE / 4 && (await pendingRetries(1000)) >= 3, 'sends under way and retries waiting', left());
    await a.crash();
    const killedAt = new Date();
    expect((await a.exited).signal).toBe('SIGKILL');

    // The retries that were waiting when it died, and when each falls due.
    const waiting = (
      await pool.query<{ id: string; due_at: Date }>(
        `SELECT notification_id AS id, next_attempt_at AS due_at FROM ${SCHEMA}.deliveries
         WHERE channel = 'email' AND status = 'queued' AND dispatched_at IS NULL AND claimed_at IS NULL AND next_attempt_at > $1`,
        [killedAt],
      )
    ).rows;
    expect(waiting.length).toBeGreaterThan(0);

    // Let them fall due while it is down: none of them still has a retry time in the future.
    await waitFor(
      async () =>
        (await pool.query(`SELECT 1 FROM ${SCHEMA}.deliveries WHERE notification_id = ANY($1::uuid[]) AND channel = 'email' AND dispatched_at IS NULL AND next_attempt_at > clock_timestamp()`, [
          waiting.map((w) => w.id),
        ])).rows.length === 0,
      'the waiting retries to fall due',
      left(),
    );
    const a2 = await start('a2');
    const restartedAt = new Date();

    const state = await waitForEmailsSettled(pool, SCHEMA, DUE, { deadlineMs: left() });
    ledger.stop();

    // The instances' own count of ambiguous sends (the dead one's counter died with it, but the
    // abandoned claims are found, and counted, by whoever claims them next), and the same from the
    // ledger: attempt numbers claimed that never got an attempt row.
    const ambiguous = (await scrapeCounter(b.url, 'herald_ambiguous_sends_total', 'channel="email"')) + (await scrapeCounter(a2.url, 'herald_ambiguous_sends_total', 'channel="email"'));
    const { rows: lost } = await pool.query<{ n: number }>(
      `SELECT coalesce(sum(d.attempts - coalesce(a.n, 0)), 0)::int AS n FROM ${SCHEMA}.deliveries d
       LEFT JOIN (SELECT notification_id, count(DISTINCT attempt)::int AS n FROM ${SCHEMA}.delivery_attempts WHERE channel = 'email' GROUP BY notification_id) a
         ON a.notification_id = d.notification_id
       WHERE d.channel = 'email'`,
    );
    const abandonedClaims = lost[0]!.n;
    const { rows: sentRows } = await pool.query<{ id: string; first_sent: Date | null; status: string; attempts: number }>(
      `SELECT d.notification_id AS id, d.status, d.attempts,
         (SELECT min(created_at) FROM ${SCHEMA}.delivery_attempts a WHERE a.notification_id = d.notification_id AND a.channel = 'email' AND a.outcome = 'sent') AS first_sent
       FROM ${SCHEMA}.deliveries d WHERE d.channel = 'email'`,
    );
    const byId = new Map(sentRows.map((r) => [r.id, r]));
    const { rows: outcomes } = await pool.query<{ outcome: string; error_class: string | null; n: number }>(
      `SELECT outcome, error_class, count(*)::int AS n FROM ${SCHEMA}.delivery_attempts WHERE channel = 'email' GROUP BY 1, 2 ORDER BY 3 DESC`,
    );
    const greylistAnswers = outcomes.filter((o) => o.error_class?.startsWith('smtp_4xx')).reduce((sum, o) => sum + o.n, 0);
    const fellDue = waiting.filter((w) => w.due_at <= restartedAt);
    const sentAfterRestart = fellDue.filter((w) => (byId.get(w.id)?.first_sent ?? new Date(0)) >= restartedAt).length;
    const duplicates = ledger.duplicates();
    console.log(
      [
        `\nworker kill: ${DUE} due emails (${greylisted.length} greylisted), 2 instances x CHANNEL_CONCURRENCY 4, SMTP 300 ms/message`,
        `  received ${ledger.distinct} distinct of ${DUE} (${ledger.total} messages, ${duplicates} duplicates); attempts ${outcomes.map((o) => `${o.outcome}${o.error_class ? `/${o.error_class}` : ''} ${o.n}`).join(', ')}`,
        `  ambiguous sends: ${ambiguous} on /metrics, ${abandonedClaims} abandoned claims in the ledger`,
        `  retries waiting at the kill: ${waiting.length}, all fell due during the ${((restartedAt.getTime() - killedAt.getTime()) / 1000).toFixed(1)} s outage; sent by the survivor before the restart ${fellDue.length - sentAfterRestart}, after it ${sentAfterRestart}`,
        `  end state: ${state.sent} sent of ${state.rows} rows, ${state.unclaimed} queued with no claim and no retry`,
      ].join('\n'),
    );

    // Nothing left queued: every delivery ended sent.
    expect.soft(state.unclaimedIds, `deliveries left queued with no claim and no retry (their work message was lost), ${state.unclaimed} in all`).toEqual([]);
    expect.soft(sentRows.filter((r) => r.status !== 'sent').map((r) => `${r.id} ${r.status}`)).toEqual([]);
    // Every due email arrived, nothing else did, and copies only where a send was ambiguous.
    expect.soft([...expected].filter((id) => !ledger.has(id))).toEqual([]);
    expect.soft(ledger.unexpected(expected)).toEqual([]);
    expect.soft(duplicates).toBeLessThanOrEqual(ambiguous);
    expect.soft(ambiguous).toBe(abandonedClaims);
    // The retries that fell due while the instance was down were sent, each after it fell due.
    expect.soft(fellDue.length).toBeGreaterThan(0);
    for (const w of fellDue) {
      const row = byId.get(w.id);
      expect.soft(ledger.has(emailMessageId(w.id)), `retry ${w.id} received`).toBe(true);
      expect.soft(row?.first_sent, `retry ${w.id} sent`).toBeInstanceOf(Date);
      if (row?.first_sent) expect.soft(row.first_sent.getTime(), `retry ${w.id} sent no earlier than it fell due`).toBeGreaterThanOrEqual(w.due_at.getTime());
    }
    // The greylisting really made retries: every greylisted delivery needed more than one attempt.
    expect.soft(greylistAnswers).toBeGreaterThan(0);
    const { rows: greylistedRows } = await pool.query<{ attempts: number }>(
      `SELECT attempts FROM ${SCHEMA}.deliveries WHERE channel = 'email' AND status = 'sent' AND address = ANY($1::text[])`,
      [greylisted.map((i) => due.addressOf(i))],
    );
    expect.soft(greylistedRows.filter((r) => r.attempts < 2)).toEqual([]);
  });
});
