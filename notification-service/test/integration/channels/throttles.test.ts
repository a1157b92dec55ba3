import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import type { OutOfBandChannel } from '../../../src/domain/channels.js';
import type { NotificationType, Priority } from '../../../src/domain/notification.js';
import { normalizePreferences } from '../../../src/domain/preferences.js';
import { DEFAULT_THROTTLES } from '../../../src/domain/throttle.js';
import { bearer, count, SCHEMA, startHarness, waitFor, type Harness } from '../../support/harness.js';

const HOUR = 3_600_000;

/**
 * Per-person throttles against PostgreSQL (docs/channels.md "Throttles"), with TWO instances taking
 * the same channel queues, each sending 16 at a time: what goes over a person's limit is skipped
 * with reason `throttled`, or held for the digest of someone who has one, never sent and never
 * lost; critical items are never held back; a per-type override is honoured; and racing workers
 * never send more than the limit.
 */
describe('per-person throttles across two instances', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('notif_throttles', {
      instances: 2,
      channels: {
        captureUnconfigured: true,
        channelSweepMs: 50,
        channelConcurrency: 16,
        throttles: {
          defaults: { ...DEFAULT_THROTTLES.defaults, sms: { max: 5, windowMs: HOUR } },
          overrides: [{ type: 'message', channel: 'sms', limit: { max: 8, windowMs: HOUR } }],
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  let phones = 0;
  /** Someone with SMS on (and these preferences) and a phone number. */
  async function person(preferences: Record<string, unknown> = {}): Promise<{ id: string; phone: string }> {
    const id = uuidv7();
    const phone = `+1415556${String(1000 + phones++).padStart(4, '0')}`;
    await h.pool.query(
      `INSERT INTO ${SCHEMA}.users (id, username, display_name, email, phone, locale, timezone, as_of) VALUES ($1, $2, 'Pat', NULL, $3, 'en', 'UTC', now())`,
      [id, `p_${id.slice(-8)}`, phone],
    );
    const prefs = normalizePreferences({ channels: { in_app: true, email: false, sms: true }, ...preferences });
    if (!prefs.ok) throw new Error(prefs.message);
    await h.pool.query(`INSERT INTO ${SCHEMA}.preferences (user_id, preferences) VALUES ($1, $2::jsonb)`, [id, JSON.stringify(prefs.value)]);
    return { id, phone };
  }

  /** `n` unread items whose fallback timer on `channels` is already due, as fan-out leaves them for someone away. */
  async function due(recipientId: string, n: number, opts: { type?: NotificationType; priority?: Priority; channels?: OutOfBandChannel[] } = {}): Promise<string[]> {
    const ids = Array.from({ length: n }, () => uuidv7());
    await h.pool.query(
      `INSERT INTO ${SCHEMA}.notifications (id, recipient_id, type, category, priority, title, body, data, created_at, fallback_at, fallback_channels)
       SELECT id, $2, $3, 'informational', $4, 'Something happened', 'While you were away.', '{}'::jsonb, now() - interval '1 second', now() - interval '1 second', $5::varchar(8)[]
       FROM unnest($1::uuid[]) AS id`,
      [ids, recipientId, opts.type ?? 'follow', opts.priority ?? 'normal', opts.channels ?? ['sms']],
    );
    return ids;
  }

  const captured = () => h.instances.flatMap((i) => i.service.channels.registry.capture?.list() ?? []);
  const smsTo = (phone: string) => captured().filter((m) => m.channel === 'sms' && m.to === phone);

  async function rowsOf(recipientId: string) {
    const { rows } = await h.pool.query<{ notification_id: string; status: string; reason: string | null; digest: string | null; digest_id: string | null; address: string | null }>(
      `SELECT notification_id, status, reason, digest, digest_id, address FROM ${SCHEMA}.deliveries WHERE recipient_id = $1 AND channel = 'sms'`,
      [recipientId],
    );
    return rows;
  }

  /** Every SMS row of this person settled: sent, skipped, or held for a digest. */
  async function settled(recipientId: string, n: number) {
    await waitFor(async () => {
      const rows = await rowsOf(recipientId);
      return rows.length === n && rows.every((r) => r.status === 'sent' || r.status === 'skipped' || (r.status === 'queued' && r.digest !== null));
    }, `${n} SMS settled`, 20_000);
    return rowsOf(recipientId);
  }

  async function statusOf(recipientId: string, id: string) {
    const res = await h.service.app.inject({ method: 'GET', url: `/api/v1/notifications/status?id=${id}`, headers: bearer(h.tokenFor(recipientId)) });
    expect(res.statusCode).toBe(200);
    return (res.json() as { items: { channels: Record<string, unknown>[] }[] }).items[0]!.channels.find((c) => c.channel === 'sms')!;
  }

  it('7 SMS with a limit of 5 an hour: 5 sent, 2 skipped `throttled` (the status route says so); a critical alert still goes', async () => {
    const ana = await person();
    await due(ana.id, 7);
    const rows = await settled(ana.id, 7);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(5);
    const skipped = rows.filter((r) => r.status === 'skipped');
    expect(skipped).toHaveLength(2);
    expect(skipped.every((r) => r.reason === 'throttled')).toBe(true);
    expect(smsTo(ana.phone)).toHaveLength(5);
    expect(await statusOf(ana.id, skipped[0]!.notification_id)).toMatchObject({ status: 'skipped', reason: 'throttled' });

    const [alert] = await due(ana.id, 1, { type: 'alert', priority: 'critical' });
    await waitFor(async () => (await rowsOf(ana.id)).find((r) => r.notification_id === alert)?.status === 'sent', 'the critical alert sent', 20_000);
    expect(smsTo(ana.phone)).toHaveLength(6);
  });

  it('the overflow of someone with a daily digest waits for it (queued, reason `throttled`), then goes out in it, once', async () => {
    const bo = await person({ types: { like: { frequency: 'daily' } }, digestHour: 8 });
    await due(bo.id, 7);
    const rows = await settled(bo.id, 7);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(5);
    const held = rows.filter((r) => r.status === 'queued');
    expect(held).toHaveLength(2);
    expect(held.every((r) => r.digest === 'daily' && r.reason === 'throttled' && r.digest_id === null && r.address === null)).toBe(true);
    expect(await statusOf(bo.id, held[0]!.notification_id)).toMatchObject({ status: 'queued', reason: 'throttled', digest: 'daily' });
    expect(smsTo(bo.phone)).toHaveLength(5);

    // Tomorrow's 08:00 (UTC) digest takes both, in one message.
    const tomorrow = new Date();
    tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
    tomorrow.setUTCHours(8, 30, 0, 0);
    const run = await h.service.digests.runtime.run(tomorrow);
    expect(run.rows).toBeGreaterThanOrEqual(2);
    await waitFor(async () => (await rowsOf(bo.id)).filter((r) => r.status === 'sent').length === 7, 'the held items sent with the digest', 20_000);
    const after = await rowsOf(bo.id);
    const digestIds = new Set(after.filter((r) => held.some((x) => x.notification_id === r.notification_id)).map((r) => r.digest_id));
    expect(digestIds.size).toBe(1);
    expect([...digestIds][0]).not.toBeNull();
    expect(smsTo(bo.phone)).toHaveLength(6);
    expect(await count(h.pool, `${SCHEMA}.digests WHERE recipient_id = $1 AND status = 'sent' AND item_count = 2`, [bo.id])).toBe(1);
  });

  it('a per-type override is honoured: messages may send 8 an hour where everything else sends 5', async () => {
    const cy = await person();
    await due(cy.id, 10, { type: 'message' });
    const rows = await settled(cy.id, 10);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(8);
    expect(rows.filter((r) => r.status === 'skipped' && r.reason === 'throttled')).toHaveLength(2);
    // The person's 8 messages count for every type: a follow now is over its limit of 5.
    const [follow] = await due(cy.id, 1);
    await settled(cy.id, 11);
    expect((await rowsOf(cy.id)).find((r) => r.notification_id === follow)).toMatchObject({ status: 'skipped', reason: 'throttled' });
    expect(smsTo(cy.phone)).toHaveLength(8);
  });

  it('60 SMS for one person at once, 32 workers on two instances racing: exactly 5 sent', async () => {
    const di = await person();
    await due(di.id, 60);
    const rows = await settled(di.id, 60);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(5);
    expect(rows.filter((r) => r.status === 'skipped' && r.reason === 'throttled')).toHaveLength(55);
    expect(smsTo(di.phone)).toHaveLength(5);
    // Both instances sent some of the burst: the race was real.
    const throttledBy = await Promise.all(h.instances.map(async (i) => (await i.registry.getSingleMetric('herald_channel_throttled_total')?.get())?.values.find((v) => v.labels.channel === 'sms' && v.labels.outcome === 'skipped')?.value ?? 0));
    expect(throttledBy.every((n) => n > 0)).toBe(true);
  });

  it('claims racing directly on the database, from both instances\' stores: never more than the limit in flight or sent', async () => {
    const ed = await person();
    const ids = await due(ed.id, 30);
    // As the sweep would leave them: queued and dispatched, each with its address.
    await h.pool.query(
      `INSERT INTO ${SCHEMA}.deliveries (notification_id, channel, recipient_id, status, address, dispatched_at) SELECT id, 'sms', $2, 'queued', $3, now() FROM unnest($1::uuid[]) AS id`,
      [ids, ed.id, ed.phone],
    );
    await h.pool.query(`UPDATE ${SCHEMA}.notifications SET fallback_at = NULL, fallback_reason = 'fired' WHERE recipient_id = $1`, [ed.id]);
    const stores = h.instances.map((i) => i.service.channels.store);
    const results = await Promise.all(ids.map((id, i) => stores[i % 2]!.claim(id, 'sms', 60_000)));
    expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(5);
    expect(results.filter((r) => r.kind === 'throttled')).toHaveLength(25);
    expect(await count(h.pool, `${SCHEMA}.deliveries WHERE recipient_id = $1 AND claimed_at IS NOT NULL`, [ed.id])).toBe(5);
  });
});
