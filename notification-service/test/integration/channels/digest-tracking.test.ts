import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { TrackingSigner, type TrackedPayload } from '../../../src/channels/tracking.js';
import type { OutOfBandChannel } from '../../../src/domain/channels.js';
import type { Notification } from '../../../src/domain/notification.js';
import { normalizePreferences } from '../../../src/domain/preferences.js';
import { bearer, SCHEMA, startHarness, waitFor, type Harness } from '../../support/harness.js';

/**
 * A digest's tracked links and pixel over HTTP, on PostgreSQL (docs/channels.md "Digests"): a
 * person's click on an item link lands on the item and records `clicked` on the digest and that
 * item; the inbox link lands on the inbox; the pixel records `opened`; a mail proxy is flagged and
 * moves nothing; no status moves backwards.
 */

const PUBLIC_URL = 'http://herald.test';
const SECRET = 'digest-tracking-secret-0123456789';
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const PROXY = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';

describe('digest tracking links (a service on PostgreSQL, channels captured)', () => {
  let h: Harness;
  const signer = new TrackingSigner(SECRET);

  beforeAll(async () => {
    h = await startHarness('notif_digest_tracking', {
      // The periodic sweep stays out of the way: the test runs it as of an instant.
      channels: { captureUnconfigured: true, channelSweepMs: 50, digestSweepMs: 3_600_000, publicUrl: PUBLIC_URL, trackingSecret: SECRET },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function person(): Promise<string> {
    const id = uuidv7();
    const username = `u_${id.slice(-8)}`;
    await h.pool.query(
      `INSERT INTO "${SCHEMA}".users (id, username, display_name, email, phone, locale, timezone, as_of) VALUES ($1, $2, 'Grace', $3, NULL, 'en', 'UTC', now())`,
      [id, username, `${username}@example.com`],
    );
    const prefs = normalizePreferences({ frequency: 'daily', timezone: 'UTC', digestHour: 8 });
    if (!prefs.ok) throw new Error(prefs.message);
    await h.pool.query(`INSERT INTO "${SCHEMA}".preferences (user_id, preferences) VALUES ($1, $2::jsonb)`, [id, JSON.stringify(prefs.value)]);
    return id;
  }

  /** A comment held for the person's daily email digest, as fan-out writes it. */
  async function hold(recipientId: string, at: Date, title: string): Promise<Notification> {
    const notification: Notification = {
      id: uuidv7(at.getTime()), type: 'comment', category: 'informational', priority: 'normal',
      actor: { id: uuidv7(), username: 'bo', displayName: 'Bo' }, title, body: 'Nice one',
      data: { postId: uuidv7(), excerpt: 'Nice one' }, createdAt: at.toISOString(), readAt: null,
    };
    await h.service.deps.inbox.transaction(async (uow) => {
      await uow.insertNotifications([{ recipientId, notification, fallback: null }]);
      const base = { notificationId: notification.id, recipientId, notBefore: null, reason: null };
      await uow.insertDeliveries([
        { ...base, channel: 'in_app', status: 'delivered', digest: null },
        { ...base, channel: 'email', status: 'pending', digest: 'daily' },
      ]);
    });
    return notification;
  }

  const digestOf = async (recipientId: string) =>
    (await h.pool.query<{ id: string; status: string; channel: OutOfBandChannel }>(`SELECT id, status, channel FROM "${SCHEMA}".digests WHERE recipient_id = $1`, [recipientId])).rows[0];
  const emailStatus = async (userId: string, id: string) => {
    const res = await h.service.app.inject({ method: 'GET', url: `/api/v1/notifications/status?id=${id}`, headers: bearer(h.tokenFor(userId)) });
    return (res.json() as { channels: { channel: string; status: string; digestId?: string }[] }).channels.find((c) => c.channel === 'email');
  };
  const get = (url: string, userAgent: string) => h.service.app.inject({ method: 'GET', url: url.slice(PUBLIC_URL.length), headers: { 'user-agent': userAgent } });
  const trackingCount = async (kind: 'open' | 'click', counted: boolean) => {
    const metric = await h.instances[0]!.registry.getSingleMetric('herald_tracking_requests_total')!.get();
    return metric.values.find((v) => v.labels.kind === kind && v.labels.counted === String(counted))?.value ?? 0;
  };

  /** One person's digest sent: its id, its two items and the tracked URLs of its email. */
  async function sentDigest() {
    const id = await person();
    const first = await hold(id, new Date('2026-10-24T10:00:00Z'), 'Bo commented on your post');
    const second = await hold(id, new Date('2026-10-24T11:00:00Z'), 'Cy commented on your post');
    await h.service.digests.runtime.run(new Date('2026-10-25T08:00:00Z'));
    await waitFor(async () => (await digestOf(id))?.status === 'sent', 'the digest sent');
    const digest = (await digestOf(id))!;
    const mail = h.service.channels.registry.capture!.list().find((m) => m.deliveryId === `${digest.id}.email`)!;
    const urls = [...mail.html!.matchAll(/http:\/\/herald\.test\/t\/[co]\/[A-Za-z0-9_.-]+/g)].map((m) => m[0]);
    const payload = (url: string): TrackedPayload => signer.verify(url.split('/').pop()!)!;
    const find = (test: (p: TrackedPayload) => boolean) => urls.find((u) => test(payload(u)))!;
    return {
      id, digest, first, second,
      itemLink: (n: string) => find((p) => 'd' in p && p.k === 'c' && p.n === n),
      inboxLink: find((p) => 'd' in p && p.k === 'c' && !p.n),
      pixel: find((p) => 'd' in p && p.k === 'o'),
      urls,
    };
  }

  it('every link and the pixel of a digest email is a tracked token naming that digest; nothing links around them', async () => {
    const d = await sentDigest();
    expect(d.urls.length).toBeGreaterThanOrEqual(4);
    for (const url of d.urls) expect(signer.verify(url.split('/').pop()!)).toMatchObject({ d: d.digest.id, c: 'email' });
    expect(d.itemLink(d.first.id)).toBeDefined();
    expect(d.itemLink(d.second.id)).toBeDefined();
    expect(d.inboxLink).toBeDefined();
    expect(d.pixel).toMatch(/\/t\/o\//);
    expect((await emailStatus(d.id, d.first.id))).toMatchObject({ status: 'sent', digestId: d.digest.id });
  });

  it('a mail proxy fetching the pixel or a scanner following a link is flagged, not counted: nothing moves', async () => {
    const d = await sentDigest();
    const [opens, clicks] = [await trackingCount('open', false), await trackingCount('click', false)];
    const pixel = await get(d.pixel, PROXY);
    expect(pixel.statusCode).toBe(200);
    expect(pixel.headers['content-type']).toBe('image/gif');
    const scanned = await get(d.itemLink(d.first.id), 'Mozilla/5.0 (compatible; SafeLinks scanner)');
    expect(scanned.statusCode).toBe(302);
    expect(await trackingCount('open', false)).toBe(opens + 1);
    expect(await trackingCount('click', false)).toBe(clicks + 1);
    expect((await digestOf(d.id))!.status).toBe('sent');
    expect((await emailStatus(d.id, d.first.id))!.status).toBe('sent');
    expect((await emailStatus(d.id, d.second.id))!.status).toBe('sent');
  });

  it('the pixel records opened on the digest and its items; an item link redirects to the item and records clicked; never backwards', async () => {
    const d = await sentDigest();
    const counted = await trackingCount('open', true);
    expect((await get(d.pixel, BROWSER)).statusCode).toBe(200);
    expect(await trackingCount('open', true)).toBe(counted + 1);
    expect((await digestOf(d.id))!.status).toBe('opened');
    expect((await emailStatus(d.id, d.first.id))!.status).toBe('opened');
    expect((await emailStatus(d.id, d.second.id))!.status).toBe('opened');

    const click = await get(d.itemLink(d.second.id), BROWSER);
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe(`${PUBLIC_URL}/?notification=${d.second.id}`);
    expect((await digestOf(d.id))!.status).toBe('clicked');
    expect((await emailStatus(d.id, d.second.id))!.status).toBe('clicked');
    expect((await emailStatus(d.id, d.first.id))!.status).toBe('opened');

    // A later open (the email read again) moves nothing back.
    await get(d.pixel, BROWSER);
    expect((await digestOf(d.id))!.status).toBe('clicked');
    expect((await emailStatus(d.id, d.second.id))!.status).toBe('clicked');
  });

  it('the inbox link redirects to the inbox and records clicked on the digest, its items opened', async () => {
    const d = await sentDigest();
    const click = await get(d.inboxLink, BROWSER);
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe(`${PUBLIC_URL}/#/inbox`);
    expect((await digestOf(d.id))!.status).toBe('clicked');
    expect((await emailStatus(d.id, d.first.id))!.status).toBe('opened');
    expect((await emailStatus(d.id, d.second.id))!.status).toBe('opened');
  });

  it('a forged or altered digest token is a 404, and never redirects anywhere', async () => {
    const d = await sentDigest();
    const link = d.itemLink(d.first.id);
    const altered = `${link.slice(0, -3)}${link.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    expect((await get(altered, BROWSER)).statusCode).toBe(404);
    const forger = new TrackingSigner('not-the-tracking-secret-at-all');
    const forged = `${PUBLIC_URL}/t/c/${forger.sign({ d: d.digest.id, c: 'email', k: 'c' })}`;
    expect((await get(forged, BROWSER)).statusCode).toBe(404);
    // A pixel token is not a link, nor the other way round.
    expect((await get(d.pixel.replace('/t/o/', '/t/c/'), BROWSER)).statusCode).toBe(404);
    expect((await get(d.inboxLink.replace('/t/c/', '/t/o/'), BROWSER)).statusCode).toBe(404);
    expect((await digestOf(d.id))!.status).toBe('sent');
  });
});
