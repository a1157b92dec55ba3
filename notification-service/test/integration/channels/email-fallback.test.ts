import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { event } from '../../unit/domain/mother.js';
import { SmtpSink } from '../../support/smtp-sink.js';
import { bearer, count, SCHEMA, startHarness, waitFor, type Harness } from '../../support/harness.js';

/**
 * The away rule end to end on PostgreSQL with a real SMTP server: a follow for someone with no live
 * session becomes exactly one email FALLBACK_DELAY_MS later; online, read in time or bounced change
 * that as docs/api.md says. Delays are shortened; nothing here asserts a duration.
 */
describe('email fallback on PostgreSQL and a real SMTP server', () => {
  let h: Harness;
  const primary = new SmtpSink();
  const fallback = new SmtpSink();

  beforeAll(async () => {
    await primary.start();
    await fallback.start();
    h = await startHarness('notif_email_fallback', {
      channels: {
        fallbackDelayMs: 400,
        escalateAfterMs: 800,
        channelSweepMs: 50,
        channelRetryBaseMs: 50,
        channelRetryMaxMs: 200,
        channelMaxAttempts: 3,
        smtpUrl: primary.url,
        smtpFallbackUrl: fallback.url,
        publicUrl: 'http://herald.test',
        trackingSecret: 'test-tracking-secret-0123456789',
        breaker: { failureThreshold: 100, halfOpenAfterMs: 100 },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await primary.stop();
    await fallback.stop();
  });

  async function person(name: string) {
    const id = uuidv7();
    await h.publish(event('user.registered', { userId: id, username: name, displayName: name.toUpperCase(), email: `${name}@example.com`, phone: null, locale: 'en', timezone: 'UTC' }));
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.users WHERE id = $1`, [id])) === 1, `${name} in the projection`);
    return id;
  }
  const followedBy = async (followeeId: string, follower: string) => {
    await h.publish(event('user.followed', { follower: { id: uuidv7(), username: follower, displayName: `Actor ${follower}` }, followeeId }));
    const latestFollow = async () => (await h.service.deps.inbox.list(followeeId, { limit: 5 })).items.find((i) => i.type === 'follow' && (i.data.actors as { username: string }[]).some((a) => a.username === follower));
    await waitFor(async () => (await latestFollow()) !== undefined, 'the follow notification');
    return (await latestFollow())!;
  };
  const mailsTo = (sink: SmtpSink, address: string) => sink.messages.filter((m) => m.envelope.to.includes(address));
  const statusOf = async (userId: string, id: string) => {
    const res = await h.service.app.inject({ method: 'GET', url: `/api/v1/notifications/status?id=${id}`, headers: bearer(h.tokenFor(userId)) });
    return res.json() as { channels: { channel: string; status: string; reason?: string; provider?: string; attempts: number }[] };
  };
  const emailStatus = async (userId: string, id: string) => (await statusOf(userId, id)).channels.find((c) => c.channel === 'email');

  it('someone with no live session gets exactly one email naming the actor, with a working tracked link', async () => {
    const away = await person('away');
    const n = await followedBy(away, 'ana_actor');
    expect((await emailStatus(away, n.id))?.status).toBe('scheduled');
    await waitFor(() => mailsTo(primary, 'away@example.com').length === 1, 'the email');
    const mail = mailsTo(primary, 'away@example.com')[0]!;
    expect(mail.subject).toContain('Actor ana_actor');
    expect(mail.messageId).toBe(`<${n.id}.email@herald>`);
    await waitFor(async () => (await emailStatus(away, n.id))?.status === 'sent', 'status sent');
    expect(await emailStatus(away, n.id)).toMatchObject({ status: 'sent', provider: 'smtp', attempts: 1 });

    const link = /http:\/\/herald\.test(\/t\/c\/[A-Za-z0-9_.-]+)/.exec(mail.text ?? '')![1]!;
    const click = await h.service.app.inject({ method: 'GET', url: link, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' } });
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe(`http://herald.test/?notification=${n.id}`);
    expect((await emailStatus(away, n.id))?.status).toBe('clicked');
    const forged = await h.service.app.inject({ method: 'GET', url: `${link.slice(0, -2)}xx` });
    expect(forged.statusCode).toBe(404);
    // A mail proxy fetching the pixel is flagged, not counted: the status stays clicked, never read.
    const pixel = /http:\/\/herald\.test(\/t\/o\/[A-Za-z0-9_.-]+)/.exec(mail.html ?? '')![1]!;
    const proxied = await h.service.app.inject({ method: 'GET', url: pixel, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' } });
    expect([proxied.statusCode, proxied.headers['content-type']]).toEqual([200, 'image/gif']);
    expect(await h.instances[0]!.registry.metrics()).toMatch(/herald_tracking_requests_total\{[^}]*kind="open"[^}]*counted="false"[^}]*\} 1/);
    expect((await emailStatus(away, n.id))?.status).toBe('clicked');

    // The timer fired once: later sweeps find nothing, and nothing more is sent.
    await h.service.channels.runtime.sweep();
    await new Promise((r) => setTimeout(r, 300));
    expect(mailsTo(primary, 'away@example.com')).toHaveLength(1);
    expect(mailsTo(fallback, 'away@example.com')).toHaveLength(0);
  });

  it('someone online when it arrived gets no email; its email channel says delivered_live', async () => {
    const online = await person('online');
    h.live.online.add(online);
    const n = await followedBy(online, 'bo_actor');
    await waitFor(async () => (await emailStatus(online, n.id))?.status === 'skipped', 'email skipped');
    expect(await emailStatus(online, n.id)).toMatchObject({ status: 'skipped', reason: 'delivered_live' });
    await new Promise((r) => setTimeout(r, 700));
    expect(mailsTo(primary, 'online@example.com')).toHaveLength(0);
  });

  it('reading it within the delay cancels the email (reason read)', async () => {
    const reader = await person('reader');
    const n = await followedBy(reader, 'cy_actor');
    const read = await h.service.app.inject({ method: 'POST', url: `/api/v1/notifications/${n.id}/read`, headers: bearer(h.tokenFor(reader)) });
    expect(read.statusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 700));
    expect(mailsTo(primary, 'reader@example.com')).toHaveLength(0);
    expect(await emailStatus(reader, n.id)).toMatchObject({ status: 'cancelled', reason: 'read' });
  });

  it('when the primary relay refuses connections, the email goes through the fallback relay', async () => {
    await primary.stop();
    try {
      const person2 = await person('failover');
      const n = await followedBy(person2, 'di_actor');
      await waitFor(() => mailsTo(fallback, 'failover@example.com').length === 1, 'the email through the fallback');
      await waitFor(async () => (await emailStatus(person2, n.id))?.status === 'sent', 'status sent');
      expect(await emailStatus(person2, n.id)).toMatchObject({ status: 'sent', provider: 'smtp-fallback' });
      const attempts = await h.pool.query(`SELECT provider, outcome FROM ${SCHEMA}.delivery_attempts WHERE notification_id = $1 ORDER BY id`, [n.id]);
      expect(attempts.rows).toEqual([{ provider: 'smtp', outcome: 'transient' }, { provider: 'smtp-fallback', outcome: 'sent' }]);
    } finally {
      await primary.start();
    }
  });

  it('a recipient rejected with 550 ends bounced, marks the address undeliverable and posts an in-app notice', async () => {
    const bouncer = await person('bouncer');
    primary.rejectRecipients.add('bouncer@example.com');
    fallback.rejectRecipients.add('bouncer@example.com');
    const n = await followedBy(bouncer, 'ed_actor');
    await waitFor(async () => (await emailStatus(bouncer, n.id))?.status === 'bounced', 'status bounced');
    expect(await emailStatus(bouncer, n.id)).toMatchObject({ status: 'bounced', reason: 'bounced', attempts: 1 });
    expect(await count(h.pool, `${SCHEMA}.undeliverable_addresses WHERE user_id = $1 AND channel = 'email'`, [bouncer])).toBe(1);
    await waitFor(async () => (await h.service.deps.inbox.list(bouncer, { limit: 5 })).items.some((i) => i.type === 'system'), 'the in-app notice');
    const notice = (await h.service.deps.inbox.list(bouncer, { limit: 5 })).items.find((i) => i.type === 'system')!;
    expect(notice.title).toBe('Your email address bounced');
    expect(notice.body).toContain('Check the email address in your profile');
    expect(await count(h.pool, `${SCHEMA}.dead_letters WHERE notification_id = $1`, [n.id])).toBe(1);
    // user-service learns it through the outbox (GET /users/me shows emailBounced).
    expect(await count(h.pool, `${SCHEMA}.outbox WHERE routing_key = 'user.address_bounced' AND payload->'data'->>'userId' = $1 AND payload->'data'->>'address' = 'bouncer@example.com'`, [bouncer])).toBe(1);

    // The next one to the same address is not attempted at all.
    const next = await followedBy(bouncer, 'fy_actor');
    await waitFor(async () => (await emailStatus(bouncer, next.id))?.status === 'skipped', 'skipped as undeliverable');
    expect(await emailStatus(bouncer, next.id)).toMatchObject({ status: 'skipped', reason: 'undeliverable' });
  });

  it('fewer than 1% of emails go out for items already read, with people reading around the moment the timer fires', async () => {
    const people = await Promise.all(Array.from({ length: 300 }, (_, i) => person(`racer${i}`)));
    // All 300 follows at once, then one wait for all of them (300 polling loops would load the
    // database more than the test itself does).
    await h.publish(...people.map((p, i) => event('user.followed', { follower: { id: uuidv7(), username: `racer_actor${i}`, displayName: `Actor ${i}` }, followeeId: p })));
    const follows = () => count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = ANY($1::uuid[]) AND type = 'follow'`, [people]);
    await waitFor(async () => (await follows()) === people.length, 'the 300 follow notifications', 60_000);
    const { rows: found } = await h.pool.query<{ id: string; recipient_id: string }>(
      `SELECT id, recipient_id FROM ${SCHEMA}.notifications WHERE recipient_id = ANY($1::uuid[]) AND type = 'follow'`,
      [people],
    );
    const byRecipient = new Map(found.map((r) => [r.recipient_id, r.id]));
    const items = people.map((p) => ({ id: byRecipient.get(p)! }));
    // Half of them read at a random moment in the first 5 s (the delay is 400 ms): before the timer,
    // as it fires, while the email is in flight, or after it arrived.
    const readers = items.map((n, i) => ({ n, who: people[i]! })).filter((_, i) => i % 2 === 0);
    await Promise.all(readers.map(({ n, who }) => new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        h.service.app.inject({ method: 'POST', url: `/api/v1/notifications/${n.id}/read`, headers: bearer(h.tokenFor(who)) }).then(() => resolve(), reject);
      }, Math.random() * 5000);
    })));
    const ids = items.map((n) => n.id);
    const pending = async () => (await count(h.pool, `${SCHEMA}.notifications WHERE id = ANY($1::uuid[]) AND fallback_at IS NOT NULL`, [ids]))
      + (await count(h.pool, `${SCHEMA}.deliveries WHERE notification_id = ANY($1::uuid[]) AND channel = 'email' AND status = 'queued'`, [ids]));
    await waitFor(async () => (await pending()) === 0, 'every timer fired and every email settled', 30_000);
    const unreadCount = items.length - readers.length;
    const { rows } = await h.pool.query<{ sent: number; after_read: number }>(
      `SELECT count(*) FILTER (WHERE d.sent_at IS NOT NULL)::int AS sent, count(*) FILTER (WHERE d.sent_at IS NOT NULL AND n.read_at < d.sent_at)::int AS after_read
       FROM ${SCHEMA}.deliveries d JOIN ${SCHEMA}.notifications n ON n.id = d.notification_id WHERE d.channel = 'email' AND n.id = ANY($1::uuid[])`, [items.map((n) => n.id)]);
    const { sent, after_read: afterRead } = rows[0]!;
    console.log(`out-of-band after read: ${afterRead} of ${sent} emails sent (${((100 * afterRead) / Math.max(1, sent)).toFixed(2)}%), ${readers.length} of ${items.length} items read around the delay`);
    expect(sent).toBeGreaterThanOrEqual(unreadCount);
    expect(afterRead / sent).toBeLessThan(0.01);
    const metrics = await h.instances[0]!.registry.metrics();
    expect(metrics).toMatch(/herald_out_of_band_after_read_ratio\{[^}]*\} \d/);
  });
});
