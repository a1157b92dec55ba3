import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { RedisPaceStore } from '../../../src/adapters/redis-pace-store.js';
import { normalizePreferences } from '../../../src/domain/preferences.js';
import { count, SCHEMA, startHarness, waitFor, type Harness } from '../../support/harness.js';

const RATE = { max: 10, windowMs: 1000 };
const INTERVAL_MS = RATE.windowMs / RATE.max;
const BURST = 24;
/**
 * A send never goes before its slot, but may go after it: a timer in a busy event loop (here two
 * instances and 32 workers share one) fires late. One interval of slack for that lateness.
 */
const SLACK_MS = INTERVAL_MS;

/**
 * A provider rate limit against real PostgreSQL and Redis (docs/channels.md "Provider rate
 * limits"): two instances, 16 sends at a time each, share one pace in Redis for the capture
 * provider at 10 per second. A burst of 24 SMS is spread out (over 23 intervals, 10 in a second
 * give or take one late timer), every message arrives exactly once, and sends whose
 * slot was too far away (the claim lease is 2 s, so a send waits at most 500 ms) were deferred,
 * still queued, without spending an attempt. A critical alert takes a slot at once.
 */
describe('per-provider rate limits, shared by two instances through Redis', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `test:pace:${randomUUID()}:`;
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('notif_provider_rates', {
      instances: 2,
      paceStore: new RedisPaceStore({ redis, prefix }),
      channels: { captureUnconfigured: true, channelSweepMs: 50, channelConcurrency: 16, channelClaimLeaseMs: 2000, providerRates: { capture: RATE } },
    });
  });
  afterAll(async () => {
    await h?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  let phones = 0;
  /** People away with one SMS each whose fallback timer is due now. */
  async function dueSms(n: number, priority: 'normal' | 'critical' = 'normal'): Promise<{ ids: string[]; phones: string[] }> {
    const people = Array.from({ length: n }, () => ({ id: uuidv7(), notification: uuidv7(), phone: `+1415557${String(1000 + phones++)}` }));
    const prefs = normalizePreferences({ channels: { in_app: true, email: false, sms: true } });
    if (!prefs.ok) throw new Error(prefs.message);
    await h.pool.query(
      `WITH p AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS p(id, phone)),
         u AS (INSERT INTO ${SCHEMA}.users (id, username, display_name, email, phone, locale, timezone, as_of) SELECT id, 'r_' || right(id::text, 8), 'Ray', NULL, phone, 'en', 'UTC', now() FROM p)
       INSERT INTO ${SCHEMA}.preferences (user_id, preferences) SELECT id, $3::jsonb FROM p`,
      [people.map((p) => p.id), people.map((p) => p.phone), JSON.stringify(prefs.value)],
    );
    await h.pool.query(
      `INSERT INTO ${SCHEMA}.notifications (id, recipient_id, type, category, priority, title, body, data, created_at, fallback_at, fallback_channels)
       SELECT n, r, 'follow', 'informational', $3, 'New follower', 'Someone followed you.', '{}'::jsonb, now() - interval '1 second', now() - interval '1 second', ARRAY['sms']::varchar(8)[]
       FROM unnest($1::uuid[], $2::uuid[]) AS x(n, r)`,
      [people.map((p) => p.notification), people.map((p) => p.id), priority],
    );
    return { ids: people.map((p) => p.notification), phones: people.map((p) => p.phone) };
  }

  const captured = () => h.instances.flatMap((i) => i.service.channels.registry.capture?.list() ?? []);

  async function paced(outcome: 'waited' | 'deferred') {
    let total = 0;
    for (const i of h.instances) total += (await i.registry.getSingleMetric('herald_provider_paced_total')?.get())?.values.find((v) => v.labels.provider === 'capture' && v.labels.outcome === outcome)?.value ?? 0;
    return total;
  }

  it('spreads a burst out at the provider\'s pace, across instances, and delivers each message exactly once', async () => {
    const burst = await dueSms(BURST);
    const alert = await dueSms(1, 'critical');
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.deliveries WHERE channel = 'sms' AND status = 'sent'`)) === BURST + 1, 'every SMS sent', 30_000);

    const messages = captured().filter((m) => m.channel === 'sms');
    const ids = messages.map((m) => m.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([...burst.ids, ...alert.ids].map((id) => `${id}.sms`).sort());

    // The burst's sends, in the order they went out: spread over (BURST - 1) intervals, and no
    // second holding more than the rate allows (give or take one late timer).
    const times = messages.filter((m) => !alert.ids.some((id) => m.deliveryId.startsWith(id))).map((m) => m.at.getTime()).sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    console.log(`provider pace: ${BURST} sends over ${times.at(-1)! - times[0]!} ms, gaps ${Math.min(...gaps)}-${Math.max(...gaps)} ms; waited ${await paced('waited')}, deferred ${await paced('deferred')}`);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual((BURST - 1) * INTERVAL_MS - SLACK_MS);
    for (let i = 0; i + RATE.max < times.length; i++) expect(times[i + RATE.max]! - times[i]!).toBeGreaterThanOrEqual(RATE.windowMs - SLACK_MS);

    // Waiting is no failed attempt: each went out on its first, and deferrals stayed queued meanwhile.
    expect(await paced('waited')).toBeGreaterThan(0);
    expect(await paced('deferred')).toBeGreaterThan(0);
    expect(await count(h.pool, `${SCHEMA}.deliveries WHERE channel = 'sms' AND attempts <> 1`)).toBe(0);
    expect(await count(h.pool, `${SCHEMA}.delivery_attempts WHERE channel = 'sms'`)).toBe(BURST + 1);

    // The critical alert did not queue behind the burst: it went out before the burst was half done.
    const alertAt = messages.find((m) => m.deliveryId.startsWith(alert.ids[0]!))!.at.getTime();
    expect(alertAt).toBeLessThan(times[Math.floor(BURST / 2)]!);
  });
});
