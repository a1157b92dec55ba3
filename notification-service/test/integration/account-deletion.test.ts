import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventBus, uuidv7 } from '@herald/platform';
import { EVENTS_QUEUE } from '../../src/index.js';
import { event } from '../unit/domain/mother.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { bearer, count, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

/**
 * user.deleted through the events queue on PostgreSQL: everything held about the person goes, in
 * every table; a tombstone keeps late events from bringing them back; their sockets are told to
 * close; and their pending fallback email is never sent (while someone else's still is).
 */
describe('account deletion in notification-service', () => {
  let h: Harness;
  const smtp = new SmtpSink();

  beforeAll(async () => {
    await smtp.start();
    h = await startHarness('notif_deletion', {
      channels: {
        fallbackDelayMs: 4_000,
        channelSweepMs: 50,
        smtpUrl: smtp.url,
        publicUrl: 'http://herald.test',
        trackingSecret: 'test-tracking-secret-0123456789',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp.stop();
  });

  const person = async (name: string) => {
    const id = uuidv7();
    await h.publish(event('user.registered', { userId: id, username: name, displayName: name, email: `${name}@example.com`, phone: '+14155550100', locale: 'en', timezone: 'Europe/Lisbon' }, new Date()));
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.users WHERE id = $1 AND username IS NOT NULL`, [id])) === 1, `${name} projected`);
    return { id, username: name, displayName: name };
  };
  const tables = async (id: string) => ({
    notifications: await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1`, [id]),
    deliveries: await count(h.pool, `${SCHEMA}.deliveries WHERE recipient_id = $1`, [id]),
    attempts: await count(h.pool, `${SCHEMA}.delivery_attempts WHERE error = $1`, [`rejected ${id}`]),
    receipts: await count(h.pool, `${SCHEMA}.receipts WHERE recipient_id = $1`, [id]),
    deadLetters: await count(h.pool, `${SCHEMA}.dead_letters WHERE recipient_id = $1`, [id]),
    preferences: await count(h.pool, `${SCHEMA}.preferences WHERE user_id = $1`, [id]),
    mutes: await count(h.pool, `${SCHEMA}.mutes WHERE user_id = $1 OR muted_user_id = $1`, [id]),
    undeliverable: await count(h.pool, `${SCHEMA}.undeliverable_addresses WHERE user_id = $1`, [id]),
    follows: await count(h.pool, `${SCHEMA}.follows WHERE followee_id = $1 OR follower_id = $1`, [id]),
    webhooks: await count(h.pool, `${SCHEMA}.webhook_endpoints WHERE owner_id = $1`, [id]),
    webhookMessages: await count(h.pool, `${SCHEMA}.webhook_deliveries d JOIN ${SCHEMA}.webhook_endpoints e ON e.id = d.endpoint_id WHERE e.owner_id = $1`, [id]),
    sendRequests: await count(h.pool, `${SCHEMA}.send_requests WHERE sender_id = $1`, [id]),
  });
  const profile = async (id: string) =>
    (await h.pool.query(`SELECT username, display_name, email, phone, locale, timezone, deleted_at IS NOT NULL AS deleted FROM ${SCHEMA}.users WHERE id = $1`, [id])).rows[0];

  it('erases every table, tombstones the profile, closes the sockets, sends no pending email, and a repeat changes nothing', async () => {
    const gone = await person('gone_del');
    const friend = await person('friend_del');
    const other = await person('other_del');
    // Follows both ways (each notifies its followee, who is away: each gets an email timer).
    await h.publish(event('user.followed', { follower: friend, followeeId: gone.id }, new Date()), event('user.followed', { follower: gone, followeeId: friend.id }, new Date()));
    await h.publish(event('message.sent', { messageId: uuidv7(), sender: friend, recipientId: gone.id, excerpt: 'hello' }, new Date()));
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1`, [gone.id])) === 2, 'her two notifications');
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1`, [friend.id])) === 1, "his follow notification");
    expect(await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1 AND fallback_at IS NOT NULL`, [gone.id])).toBe(2);

    // Her own settings through the API, the rest as the workers and the send API leave it.
    const token = h.tokenFor(gone.id);
    expect((await h.service.app.inject({ method: 'PUT', url: '/api/v1/users/me/preferences', headers: bearer(token), payload: { frequency: 'daily' } })).statusCode).toBe(200);
    expect((await h.service.app.inject({ method: 'PUT', url: `/api/v1/notifications/mutes/${other.id}`, headers: bearer(token), payload: { kind: 'block' } })).statusCode).toBe(204);
    expect((await h.service.app.inject({ method: 'PUT', url: `/api/v1/notifications/mutes/${gone.id}`, headers: bearer(h.tokenFor(other.id)) })).statusCode).toBe(204);
    const [first] = (await h.pool.query(`SELECT id FROM ${SCHEMA}.notifications WHERE recipient_id = $1 ORDER BY id LIMIT 1`, [gone.id])).rows;
    await h.pool.query(`INSERT INTO ${SCHEMA}.delivery_attempts (notification_id, channel, attempt, provider, outcome, error, latency_ms) VALUES ($1, 'sms', 1, 'twilio', 'permanent', $2, 5)`, [first.id, `rejected ${gone.id}`]);
    await h.pool.query(`INSERT INTO ${SCHEMA}.dead_letters (id, notification_id, channel, recipient_id, status, reason, attempts) VALUES ($1, $2, 'sms', $3, 'bounced', 'bounced', 1)`, [uuidv7(), first.id, gone.id]);
    await h.pool.query(`INSERT INTO ${SCHEMA}.undeliverable_addresses (user_id, channel, address, reason) VALUES ($1, 'sms', '+14155550100', '550')`, [gone.id]);
    const endpoint = uuidv7();
    await h.pool.query(`INSERT INTO ${SCHEMA}.webhook_endpoints (id, owner_id, url, secret) VALUES ($1, $2, 'https://hooks.example.com/x', 'whsec_x')`, [endpoint, gone.id]);
    await h.pool.query(`INSERT INTO ${SCHEMA}.webhook_deliveries (id, endpoint_id, event_type, payload) VALUES ($1, $2, 'delivery.sent', '{}')`, [uuidv7(), endpoint]);
    await h.pool.query(`INSERT INTO ${SCHEMA}.send_requests (sender_id, idempotency_key, event_id, request_hash, ids) VALUES ($1, 'k1', $2, 'h', '{}')`, [gone.id, uuidv7()]);
    expect(await tables(gone.id)).toEqual({
      notifications: 2, deliveries: 2, attempts: 1, receipts: 2, deadLetters: 1, preferences: 1, mutes: 2, undeliverable: 1, follows: 2, webhooks: 1, webhookMessages: 1, sendRequests: 1,
    });

    // Her two email timers are still ahead.
    expect(await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1 AND fallback_at > now()`, [gone.id])).toBe(2);
    const deleted = event('user.deleted', { userId: gone.id }, new Date());
    await h.publish(deleted);
    await waitFor(async () => (await profile(gone.id)).deleted, 'the tombstone');
    await waitFor(() => h.live.revocations.length === 1, 'the revocation');
    const empty = { notifications: 0, deliveries: 0, attempts: 0, receipts: 0, deadLetters: 0, preferences: 0, mutes: 0, undeliverable: 0, follows: 0, webhooks: 0, webhookMessages: 0, sendRequests: 0 };
    expect(await tables(gone.id)).toEqual(empty);
    expect(await profile(gone.id)).toEqual({ username: null, display_name: null, email: null, phone: null, locale: null, timezone: null, deleted: true });
    expect(h.live.revocations).toEqual([{ userId: gone.id }]);
    // Others keep what is theirs: his follow notification (from her) and his follow of nobody else.
    expect(await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1`, [friend.id])).toBe(1);
    expect(await count(h.pool, `${SCHEMA}.mutes WHERE user_id = $1`, [other.id])).toBe(0);

    // The same event again (a redelivery) and a new one for the same account: nothing changes.
    await h.publish(deleted, event('user.deleted', { userId: gone.id }, new Date()));
    await waitFor(() => h.live.revocations.length === 3, 'the repeats');
    expect(await tables(gone.id)).toEqual(empty);
    expect((h.bus as MemoryEventBus).deadLetters(EVENTS_QUEUE)).toEqual([]);

    // Late events: an older registration, a newer update, a follow and a message to her.
    await h.publish(
      event('user.registered', { userId: gone.id, username: 'gone_del', displayName: 'Back', email: 'gone_del@example.com', phone: null, locale: 'en', timezone: 'UTC' }, new Date(Date.now() - 60_000)),
      event('user.updated', { userId: gone.id, changes: { email: 'back@example.com' } }, new Date(Date.now() + 60_000)),
      event('user.followed', { follower: other, followeeId: gone.id }, new Date()),
      event('message.sent', { messageId: uuidv7(), sender: other, recipientId: gone.id, excerpt: 'still there?' }, new Date()),
    );
    const marker = await person('marker_del'); // handled after the late events on the same queue
    expect(marker.id).toBeTruthy();
    expect(await profile(gone.id)).toEqual({ username: null, display_name: null, email: null, phone: null, locale: null, timezone: null, deleted: true });
    expect(await tables(gone.id)).toEqual(empty);
    // Her still-valid token stores nothing more here either.
    const putPrefs = await h.service.app.inject({ method: 'PUT', url: '/api/v1/users/me/preferences', headers: bearer(token), payload: { frequency: 'weekly' } });
    expect([putPrefs.statusCode, putPrefs.json().error.code]).toEqual([401, 'account_deleted']);
    const putMute = await h.service.app.inject({ method: 'PUT', url: `/api/v1/notifications/mutes/${other.id}`, headers: bearer(token) });
    expect([putMute.statusCode, putMute.json().error.code]).toEqual([401, 'account_deleted']);
    expect((await h.service.app.inject({ url: '/api/v1/notifications', headers: bearer(token) })).json().items).toEqual([]);
    expect(await tables(gone.id)).toEqual(empty);
    // The send API no longer knows her as a recipient.
    const sent = await h.service.app.inject({ method: 'POST', url: '/api/v1/notifications', headers: bearer(h.tokenFor(other.id, ['notifications:send'])), payload: { recipients: [gone.id], type: 'alert', title: 'hi' } });
    expect(sent.statusCode).toBe(400);
    expect(sent.json().error.code).toBe('unknown_recipients');

    // Past the fallback delay: his email about her follow goes out; hers (the timers she had) never do.
    await waitFor(() => smtp.messages.some((m) => m.envelope.to.includes('friend_del@example.com')), "his fallback email", 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.filter((m) => m.envelope.to.includes('gone_del@example.com'))).toEqual([]);
  });
});
