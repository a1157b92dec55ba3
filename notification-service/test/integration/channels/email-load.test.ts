import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpEventBus, uuidv7 } from '@herald/platform';
import { AMQP_URL, deleteTopology, uniqueTopology } from '../../support/amqp-topology.js';
import { emailDeliveryState, emailMessageId, insertDueEmails, MailLedger, waitForEmailsSettled, type EmailDeliveryState } from '../../support/due-emails.js';
import { bearer, SCHEMA, startHarness, waitFor, type Harness } from '../../support/harness.js';
import { SmtpSink } from '../../support/smtp-sink.js';

/** What the SMTP server takes to answer each message's DATA. */
const SMTP_DELAY_MS = 200;
const LEASE_MS = 5000;
/**
 * Unclaimed deliveries with nothing moving for this long (twice the claim lease) are not waiting
 * their turn: their work message is lost. The wait ends there instead of at its deadline.
 */
const STALL_MS = 2 * LEASE_MS;
// The low setting gets fewer messages so the file stays within a few minutes (20 msg/s at best).
const RUNS = [
  { concurrency: 4, messages: Number(process.env.EMAIL_LOAD_LOW_MESSAGES ?? 300) },
  { concurrency: 32, messages: Number(process.env.EMAIL_LOAD_MESSAGES ?? 10_000) },
] as const;

interface Measured {
  concurrency: number;
  messages: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  critical?: { afterBacklog: number; backlogLeft: number; seconds: number };
}

/**
 * Email throughput against a real SMTP server that takes 200 ms per message, on PostgreSQL and
 * RabbitMQ, at two CHANNEL_CONCURRENCY settings; and the urgent lane: a critical alert sent while a
 * 10,000-email backlog is in flight arrives before the backlog is done. The due work is made in
 * one SQL statement (people + timers already due), so the sweep, the queues, the workers and SMTP
 * are what is measured. Timings are printed, never asserted: only behaviour and a ratio in one run.
 */
describe('email under load: 200 ms SMTP, CHANNEL_CONCURRENCY 4 vs 32, and the urgent lane', () => {
  const sink = new SmtpSink();
  const measured: Measured[] = [];
  /** Each run's teardown, also run from afterAll: a run cut short by its timeout still cleans up. */
  const teardowns = new Set<() => Promise<void>>();

  beforeAll(async () => {
    sink.delayMs = SMTP_DELAY_MS;
    await sink.start();
  });
  afterAll(async () => {
    for (const teardown of teardowns) await teardown();
    await sink.stop();
    if (measured.length > 0) {
      const rows = measured.map((m) => ({
        concurrency: m.concurrency,
        messages: m.messages,
        seconds: m.seconds.toFixed(1),
        'messages/s': m.perSecond.toFixed(1),
        'p50 send ms': m.p50,
        'p99 send ms': m.p99,
        'critical after': m.critical ? `${m.critical.afterBacklog} of ${m.messages} (${m.critical.backlogLeft} left), ${m.critical.seconds.toFixed(2)} s after send` : '',
      }));
      console.log(`\nEmail throughput, SMTP server answering DATA after ${SMTP_DELAY_MS} ms:`);
      console.table(rows);
    }
  });

  interface Outcome {
    measured: Measured;
    expected: Set<string>;
    ledger: MailLedger;
    state: EmailDeliveryState;
    /** The critical alert's Message-ID, and whether it arrived at all. */
    critical?: { messageId: string; received: boolean };
  }

  /** One setting, measured; every wait within `budgetMs` (shorter than the test's timeout, so teardown runs). */
  async function run(concurrency: number, messages: number, opts: { critical: boolean; budgetMs: number }): Promise<Outcome> {
    const budgetEnd = Date.now() + opts.budgetMs;
    const left = () => Math.max(1000, budgetEnd - Date.now());
    const topology = uniqueTopology(`load${concurrency}`);
    let bus: AmqpEventBus | undefined;
    let workBus: AmqpEventBus | undefined;
    let h: Harness | undefined;
    sink.messages.splice(0);
    const ledger = new MailLedger(sink);
    let progressTimer: NodeJS.Timeout | undefined;
    let tornDown = false;
    const teardown = async () => {
      if (tornDown) return;
      tornDown = true;
      teardowns.delete(teardown);
      clearInterval(progressTimer);
      ledger.stop();
      await h?.close().catch(() => undefined);
      await bus?.close();
      await workBus?.close();
      await deleteTopology(topology);
    };
    teardowns.add(teardown);
    try {
      bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange: topology.exchange });
      workBus = await AmqpEventBus.connect({ url: AMQP_URL, exchange: topology.workExchange });
      h = await startHarness(`notif_email_load_${concurrency}`, {
        bus,
        workBus,
        queuePrefix: topology.queuePrefix,
        channels: {
          channelConcurrency: concurrency,
          fallbackDelayMs: 100,
          channelSweepMs: 100,
          // Sends take well under a second; a short lease bounds how long the stall check below must wait.
          channelClaimLeaseMs: LEASE_MS,
          smtpUrl: sink.url,
          publicUrl: 'http://herald.test',
          trackingSecret: 'test-tracking-secret-0123456789',
        },
      });
      const harness = h;
      const started = Date.now();
      const { ids } = await insertDueEmails(harness.pool, SCHEMA, { count: messages, tag: `ld${concurrency}` });
      const backlog = new Set(ids.map(emailMessageId));
      const expected = new Set(backlog);
      if (process.env.EMAIL_LOAD_DEBUG) {
        progressTimer = setInterval(() => {
          void emailDeliveryState(harness.pool, SCHEMA).then((s) => console.log(`[${concurrency}] +${((Date.now() - started) / 1000).toFixed(1)}s received ${ledger.total}`, JSON.stringify(s)), () => undefined);
        }, 2000);
      }

      let critical: Outcome['critical'];
      let criticalMeasured: Measured['critical'];
      if (opts.critical) {
        // Sent once the backlog is in flight: all of it queued in RabbitMQ, sends under way.
        await waitFor(async () => ledger.total >= concurrency * 4 && (await emailDeliveryState(harness.pool, SCHEMA)).rows === messages, 'the backlog in flight', left());
        const person = await insertPerson(harness, 'oncall@example.com');
        const sentAt = Date.now();
        const res = await harness.service.app.inject({
          method: 'POST',
          url: '/api/v1/notifications',
          headers: bearer(harness.tokenFor(uuidv7(), ['notifications:send'])),
          payload: { recipients: [person], type: 'alert', priority: 'critical', title: 'Database primary is down', body: 'Failover did not complete.' },
        });
        expect(res.statusCode).toBe(202);
        const notificationId = (res.json() as { ids: string[] }).ids[0]!;
        const messageId = emailMessageId(notificationId);
        expected.add(messageId);
        // The urgent lane is idle while the backlog waits in its own queue: an urgent delivery left
        // unclaimed for seconds is not waiting its turn, its work message is gone.
        const lost = async () => {
          const { rows } = await harness.pool.query(
            `SELECT 1 FROM ${SCHEMA}.deliveries WHERE notification_id = $1 AND channel = 'email' AND status = 'queued' AND claimed_at IS NULL
               AND dispatched_at < clock_timestamp() - make_interval(secs => $2::float8 / 1000)`,
            [notificationId, STALL_MS],
          );
          return rows.length > 0;
        };
        await waitFor(async () => ledger.has(messageId) || (await lost()), 'the critical email (or proof it was lost)', left());
        critical = { messageId, received: ledger.has(messageId) };
        if (critical.received) {
          const afterBacklog = ledger.countBefore(messageId, (id) => backlog.has(id));
          criticalMeasured = { afterBacklog, backlogLeft: messages - afterBacklog, seconds: (ledger.get(messageId)!.firstAt - sentAt) / 1000 };
        }
      }

      const state = await waitForEmailsSettled(harness.pool, SCHEMA, expected.size, { stallMs: STALL_MS, deadlineMs: left() });
      ledger.stop();
      const receivedBacklog = [...backlog].filter((id) => ledger.has(id)).length;
      const seconds = (ledger.lastAt - started) / 1000;
      const { rows } = await harness.pool.query<{ p50: number; p99: number }>(
        `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50, percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
         FROM ${SCHEMA}.delivery_attempts WHERE channel = 'email' AND outcome = 'sent'`,
      );
      const measured: Measured = {
        concurrency,
        messages: receivedBacklog,
        seconds,
        perSecond: receivedBacklog / seconds,
        p50: rows[0]!.p50,
        p99: rows[0]!.p99,
        ...(criticalMeasured ? { critical: criticalMeasured } : {}),
      };
      return { measured, expected, ledger, state, ...(critical ? { critical } : {}) };
    } finally {
      await teardown();
    }
  }

  /** Every due email arrived once, nothing else did, and every delivery ended `sent`. */
  function expectExactlyOnce(outcome: Outcome) {
    const { ledger, expected, state } = outcome;
    expect.soft(state.unclaimedIds, `deliveries left queued with no claim and no retry (their work message was lost), ${state.unclaimed} in all`).toEqual([]);
    expect.soft([...expected].filter((id) => !ledger.has(id)).length, 'due emails never received').toBe(0);
    expect.soft(ledger.unexpected(expected)).toEqual([]);
    expect.soft(ledger.duplicates()).toBe(0);
    expect.soft(state.sent).toBe(expected.size);
  }

  /** One person in the projection, with no timer: the critical alert's recipient. */
  async function insertPerson(h: Harness, email: string): Promise<string> {
    const id = uuidv7();
    await h.pool.query(
      `INSERT INTO ${SCHEMA}.users (id, username, display_name, email, phone, locale, timezone, as_of) VALUES ($1, 'oncall', 'On call', $2, NULL, 'en', 'UTC', now())`,
      [id, email],
    );
    return id;
  }

  it(`CHANNEL_CONCURRENCY ${RUNS[0].concurrency}: ${RUNS[0].messages} due emails, each received exactly once`, { timeout: 150_000 }, async () => {
    const low = await run(RUNS[0].concurrency, RUNS[0].messages, { critical: false, budgetMs: 110_000 });
    measured.push(low.measured);
    expectExactlyOnce(low);
  });

  it(`CHANNEL_CONCURRENCY ${RUNS[1].concurrency}: ${RUNS[1].messages} due emails exactly once; a critical alert sent mid-backlog overtakes it`, { timeout: 380_000 }, async () => {
    const high = await run(RUNS[1].concurrency, RUNS[1].messages, { critical: true, budgetMs: 340_000 });
    measured.push(high.measured);
    // The urgent lane: the critical alert arrived while some of the backlog was still to come.
    expect.soft(high.critical?.received, 'the critical email arrived').toBe(true);
    if (high.measured.critical) expect.soft(high.measured.critical.backlogLeft).toBeGreaterThan(0);
    expectExactlyOnce(high);
  });

  it('throughput grows with CHANNEL_CONCURRENCY (same machine, same run)', () => {
    const [low, high] = measured;
    expect(low && high, 'both runs measured').toBeTruthy();
    expect(high!.perSecond).toBeGreaterThan(low!.perSecond);
  });
});
