import { createECDH } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { uuidv7 } from '@herald/platform';
import { decryptPushBody, fakeBrowser, freePort, startPushService, verifyVapid, type FakeBrowser, type LocalPushService, type ReceivedPush } from '@herald/platform/testing';
import { MemoryPushSubscriptionStore } from '../../../src/adapters/memory-push-subscription-store.js';
import { WebPushProvider } from '../../../src/adapters/channels/web-push.js';
import { ChannelSendError, type OutboundMessage } from '../../../src/domain/channels.js';
import type { Notification } from '../../../src/domain/notification.js';
import { event } from '../../unit/domain/mother.js';
import { bearer, count, SCHEMA, startHarness, waitFor, type Harness } from '../../support/harness.js';

const PUBLIC_URL = 'http://herald.test';
const SUBJECT = 'mailto:ops@herald.test';
const BASE = '/api/v1/notifications/push-subscriptions';

describe('the test push service’s own checks', () => {
  it('decrypts the example of RFC 8291 Appendix A', () => {
    const ua = createECDH('prime256v1');
    ua.setPrivateKey(Buffer.from('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94', 'base64url'));
    expect(ua.getPublicKey('base64url')).toBe('BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4');
    const body = Buffer.from(
      'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
      'base64url',
    );
    const auth = Buffer.from('BTBZMqHH6r4Tts7J_aSIgg', 'base64url');
    expect(decryptPushBody(body, { ecdh: ua, auth }).toString('utf8')).toBe('When I grow up, I want to be a watermelon');
    const tampered = Buffer.from(body);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => decryptPushBody(tampered, { ecdh: ua, auth })).toThrow();
  });

  it('accepts a VAPID header signed by k for this audience only', () => {
    const keys = webpush.generateVAPIDKeys();
    const { Authorization } = webpush.getVapidHeaders('http://127.0.0.1:9', SUBJECT, keys.publicKey, keys.privateKey, 'aes128gcm');
    expect(verifyVapid(Authorization, 'http://127.0.0.1:9')).toMatchObject({ publicKey: keys.publicKey, claims: { aud: 'http://127.0.0.1:9', sub: SUBJECT } });
    expect(() => verifyVapid(Authorization, 'http://127.0.0.1:10')).toThrow(/aud/);
    const other = webpush.generateVAPIDKeys().publicKey;
    expect(() => verifyVapid(Authorization.replace(/k=.*$/, `k=${other}`), 'http://127.0.0.1:9')).toThrow(/does not verify/);
  });
});

describe('WebPushProvider on its own', () => {
  let push: LocalPushService;
  const vapid = webpush.generateVAPIDKeys();
  const store = new MemoryPushSubscriptionStore();
  const provider = () => new WebPushProvider({ vapid: { ...vapid, subject: SUBJECT }, subscriptions: store, allowLoopbackHttp: true, timeoutMs: 2000 });
  const message = (to: string, over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    deliveryId: '01a24a97-0000-7000-8000-000000000001.push',
    channel: 'push',
    to,
    subject: 'Title',
    text: 'Body',
    ...over,
  });
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelSendError);
    return err as ChannelSendError;
  };
  async function browserOf(user: string, name: string) {
    const b = fakeBrowser();
    push.register(name, b);
    await store.save(user, { endpoint: push.endpoint(name), ...b.keys }, uuidv7());
  }

  beforeAll(async () => {
    push = await startPushService();
  });
  afterAll(async () => {
    await push?.close();
  });

  it('sends the notification’s id, type and tag; without them (a digest) the delivery id names it', async () => {
    const user = uuidv7();
    await browserOf(user, 'solo');
    const sender = provider();
    await sender.send(message(user, { url: 'https://herald.test/x', push: { notificationId: 'n-1', type: 'like', tag: 'like:post:1', urgent: true } }));
    const first = await push.next('solo');
    expect(first.payload).toEqual({ id: 'n-1', title: 'Title', body: 'Body', url: 'https://herald.test/x', type: 'like', tag: 'like:post:1' });
    expect(first.headers.urgency).toBe('high');
    await sender.send(message(user));
    expect((await push.next('solo')).payload).toEqual({ id: '01a24a97-0000-7000-8000-000000000001', title: 'Title', body: 'Body', type: 'system' });
    await sender.close();
  });

  it('one browser taking it is enough: a 429 elsewhere is not retried', async () => {
    const user = uuidv7();
    await browserOf(user, 'takes');
    await browserOf(user, 'busy');
    push.answer('busy', { status: 429, headers: { 'retry-after': '30' } });
    expect(await provider().send(message(user))).toEqual({ provider: 'web-push' });
    expect(await store.forUser(user)).toHaveLength(2);
  });

  it('permanent answers: 413, a 403 (another VAPID key), an endpoint not allowed any more; transient: a refused connection', async () => {
    const user = uuidv7();
    await browserOf(user, 'too-big');
    push.answer('too-big', { status: 413 });
    expect(await failure(provider().send(message(user)))).toMatchObject({ kind: 'permanent', errorClass: 'payload_too_large' });

    const other = uuidv7();
    await browserOf(other, 'wrong-key');
    push.answer('wrong-key', { status: 403 });
    expect(await failure(provider().send(message(other)))).toMatchObject({ kind: 'permanent', errorClass: 'http_403' });

    // Saved while PUSH_ALLOW_HTTP was on; refused without a request once it is off.
    const before = push.received.length;
    const strict = new WebPushProvider({ vapid: { ...vapid, subject: SUBJECT }, subscriptions: store, allowLoopbackHttp: false });
    expect(await failure(strict.send(message(other)))).toMatchObject({ kind: 'permanent', errorClass: 'endpoint_refused' });
    expect(push.received.length).toBe(before);

    const gone = uuidv7();
    await store.save(gone, { endpoint: `http://127.0.0.1:${await freePort()}/push/nobody`, ...fakeBrowser().keys }, uuidv7());
    expect(await failure(provider().send(message(gone)))).toMatchObject({ kind: 'transient', errorClass: 'connection_refused' });
    expect(await failure(provider().send(message(uuidv7())))).toMatchObject({ kind: 'permanent', errorClass: 'no_push_subscription' });
  });
});

/**
 * Web Push end to end on PostgreSQL (docs/channels.md "Web Push"): people subscribe browsers through
 * the routes; a notification to someone away goes out after the fallback delay to a push service on
 * 127.0.0.1 that decrypts each message with that browser's keys (RFC 8291, written independently in
 * packages/platform/src/web-push-service.ts) and verifies the VAPID JWT; 404/410 delete the subscription, 429
 * waits for Retry-After and is retried. Delays are shortened.
 */
describe('Web Push against a local push service that decrypts', () => {
  let h: Harness;
  let push: LocalPushService;
  const vapid = webpush.generateVAPIDKeys();

  beforeAll(async () => {
    push = await startPushService();
    h = await startHarness('notif_web_push', {
      channels: {
        fallbackDelayMs: 200,
        channelSweepMs: 50,
        channelRetryBaseMs: 50,
        // Above the push service's Retry-After below (the cap wins over Retry-After).
        channelRetryMaxMs: 1500,
        channelMaxAttempts: 4,
        vapidKeys: vapid,
        vapidSubject: SUBJECT,
        pushAllowHttp: true,
        publicUrl: PUBLIC_URL,
        trackingSecret: 'test-tracking-secret-0123456789',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await push?.close();
  });

  const as = (userId: string) => ({
    get: (url: string) => h.service.app.inject({ method: 'GET', url, headers: bearer(h.tokenFor(userId)) }),
    post: (url: string, payload: unknown) => h.service.app.inject({ method: 'POST', url, headers: bearer(h.tokenFor(userId)), payload: payload as object }),
    del: (url: string) => h.service.app.inject({ method: 'DELETE', url, headers: bearer(h.tokenFor(userId)) }),
  });

  /** Someone registered, away (no live session), with push on and email off. */
  async function person(name: string): Promise<string> {
    const id = uuidv7();
    await h.publish(event('user.registered', { userId: id, username: name, displayName: name.toUpperCase(), email: `${name}@example.com`, phone: null, locale: 'en', timezone: 'UTC' }));
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.users WHERE id = $1`, [id])) === 1, 'the projection');
    const put = await as(id).post('/api/v1/users/preferences', { channels: { in_app: true, email: false, push: true } });
    expect(put.statusCode).toBe(200);
    return id;
  }

  /** A browser of `userId` at `/push/<name>` on the local push service. */
  async function subscribe(userId: string, name: string): Promise<{ id: string; browser: FakeBrowser }> {
    const browser = fakeBrowser();
    push.register(name, browser);
    const res = await as(userId).post(BASE, { endpoint: push.endpoint(name), expirationTime: null, keys: browser.keys });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id, browser };
  }

  async function followed(userId: string): Promise<string> {
    await h.publish(event('user.followed', { follower: { id: uuidv7(), username: 'fan', displayName: 'A Fan' }, followeeId: userId }));
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1 AND superseded_by IS NULL`, [userId])) > 0, 'the notification');
    const { rows } = await h.pool.query<{ id: string }>(`SELECT id FROM ${SCHEMA}.notifications WHERE recipient_id = $1 AND superseded_by IS NULL ORDER BY id DESC LIMIT 1`, [userId]);
    return rows[0]!.id;
  }

  const delivery = async (notificationId: string) =>
    (await h.pool.query<{ status: string; reason: string | null; provider: string | null; attempts: number; address: string | null; last_error: string | null }>(
      `SELECT status, reason, provider, attempts, address, last_error FROM ${SCHEMA}.deliveries WHERE notification_id = $1 AND channel = 'push'`, [notificationId])).rows[0];

  const ofNotification = (id: string) => (r: ReceivedPush) => (r.payload as { id?: string } | undefined)?.id === id;

  it('subscriptions through the routes: the VAPID key, 201 then 200 with the same id, 400 naming the field, the caller’s own list, 404 for another’s', async () => {
    const [ana, bo] = [uuidv7(), uuidv7()];
    expect((await as(ana).get(`${BASE}/vapid-public-key`)).json()).toEqual({ publicKey: vapid.publicKey });

    const browser = fakeBrowser();
    const body = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc:123', expirationTime: null, keys: browser.keys };
    const created = await as(ana).post(BASE, body);
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    const again = await as(ana).post(BASE, body);
    expect([again.statusCode, again.json()]).toEqual([200, { id }]);

    const bad = async (payload: unknown) => {
      const res = await as(ana).post(BASE, payload);
      expect(res.statusCode).toBe(400);
      return res.json().error.details.field;
    };
    expect(await bad({ ...body, endpoint: 'http://fcm.googleapis.com/fcm/send/x' })).toBe('endpoint');
    expect(await bad({ ...body, endpoint: 'https://10.1.2.3/push' })).toBe('endpoint');
    expect(await bad({ ...body, keys: { ...browser.keys, p256dh: Buffer.alloc(64, 4).toString('base64url') } })).toBe('keys.p256dh');
    expect(await bad({ ...body, keys: { ...browser.keys, auth: Buffer.alloc(8).toString('base64url') } })).toBe('keys.auth');
    expect(await bad({ endpoint: body.endpoint })).toBe('keys');
    expect(await bad({ ...body, keys: { p256dh: browser.keys.p256dh } })).toBe('keys.auth');
    expect((await h.service.app.inject({ method: 'POST', url: BASE, payload: body })).statusCode).toBe(401);

    const list = await as(ana).get(BASE);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ items: [{ id, endpoint: body.endpoint, createdAt: expect.any(String) }] });
    expect((await as(bo).get(BASE)).json()).toEqual({ items: [] });

    expect((await as(bo).del(`${BASE}/${id}`)).statusCode).toBe(404);
    expect((await as(ana).del(`${BASE}/${id}`)).statusCode).toBe(204);
    expect((await as(ana).del(`${BASE}/${id}`)).statusCode).toBe(404);
    expect((await as(ana).get(BASE)).json()).toEqual({ items: [] });
  });

  it('an away person gets the notification on every browser, encrypted to each one’s keys, with a VAPID JWT for the push service', async () => {
    const ana = await person('ana');
    await subscribe(ana, 'ana-laptop');
    await subscribe(ana, 'ana-phone');
    const notificationId = await followed(ana);

    const [laptop, phone] = await Promise.all([push.next('ana-laptop', ofNotification(notificationId)), push.next('ana-phone', ofNotification(notificationId))]);
    // The words are the push rendering of the notification (templates' push case), whatever it says.
    const n = ((await as(ana).get('/api/v1/notifications')).json().items as Notification[]).find((i) => i.id === notificationId)!;
    const rendered = await h.service.templates.renderDelivery({ notification: n, channel: 'push', address: ana, recipientId: ana });
    expect(rendered.url).toMatch(/^http:\/\/herald\.test\/t\/c\//);
    for (const received of [laptop, phone]) {
      expect(received.error).toBeUndefined();
      expect(received.payload).toEqual({ id: notificationId, title: rendered.subject, body: rendered.text, url: rendered.url, type: 'follow', ...(n.groupKey ? { tag: n.groupKey } : {}) });
      // VAPID (RFC 8292): an ES256 JWT for this push service's origin, verified with Herald's public key.
      expect(received.vapid).toMatchObject({ publicKey: vapid.publicKey, claims: { aud: push.origin, sub: SUBJECT } });
      expect(received.headers).toMatchObject({ 'content-encoding': 'aes128gcm', ttl: '86400', urgency: 'normal', topic: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    }
    await waitFor(async () => (await delivery(notificationId))?.status === 'sent', 'the push delivery recorded as sent');
    expect(await delivery(notificationId)).toMatchObject({ status: 'sent', provider: 'web-push', attempts: 1, address: ana });
    const status = await as(ana).get(`/api/v1/notifications/status?id=${notificationId}`);
    expect(status.json().channels).toContainEqual(expect.objectContaining({ channel: 'push', status: 'sent', provider: 'web-push' }));
  });

  it('410 from the push service deletes that subscription; the delivery is sent because another browser took it', async () => {
    const bo = await person('bo');
    const old = await subscribe(bo, 'bo-old');
    const current = await subscribe(bo, 'bo-new');
    push.answer('bo-old', { status: 410 });
    const notificationId = await followed(bo);
    await push.next('bo-new', ofNotification(notificationId));
    await waitFor(async () => (await delivery(notificationId))?.status === 'sent', 'the delivery sent');
    await waitFor(async () => (await as(bo).get(BASE)).json().items.length === 1, 'the gone subscription deleted');
    expect((await as(bo).get(BASE)).json().items.map((s: { id: string }) => s.id)).toEqual([current.id]);
    expect(push.received.filter((r) => r.name === 'bo-old' && r.status === 410)).toHaveLength(1);
    expect(old.id).not.toBe(current.id);
  });

  it('when every subscription is gone (404) the delivery fails with no_push_subscription and a notice; the next one is skipped without a request', async () => {
    const cy = await person('cy');
    await subscribe(cy, 'cy-only');
    push.answer('cy-only', { status: 404 });
    const first = await followed(cy);
    await waitFor(async () => (await delivery(first))?.status === 'failed', 'the delivery failed');
    expect(await delivery(first)).toMatchObject({ status: 'failed', reason: 'no_push_subscription', provider: 'web-push', last_error: expect.stringContaining('404 gone') });
    expect((await as(cy).get(BASE)).json()).toEqual({ items: [] });
    expect(await count(h.pool, `${SCHEMA}.dead_letters WHERE notification_id = $1 AND channel = 'push' AND reason = 'no_push_subscription'`, [first])).toBe(1);
    // The in-app notice says what to do.
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1 AND type = 'system' AND data->>'channel' = 'push'`, [cy])) === 1, 'the in-app notice');

    const requests = push.received.filter((r) => r.name === 'cy-only').length;
    await h.publish(event('user.followed', { follower: { id: uuidv7(), username: 'fan2', displayName: 'Another Fan' }, followeeId: cy }));
    let second = '';
    await waitFor(async () => {
      const { rows } = await h.pool.query<{ id: string }>(`SELECT notification_id AS id FROM ${SCHEMA}.deliveries WHERE recipient_id = $1 AND channel = 'push' AND notification_id <> $2`, [cy, first]);
      second = rows[0]?.id ?? '';
      return second !== '';
    }, 'the second push delivery');
    expect(await delivery(second)).toMatchObject({ status: 'skipped', reason: 'no_push_subscription' });
    expect(push.received.filter((r) => r.name === 'cy-only')).toHaveLength(requests);
  });

  it('429 waits for Retry-After and is retried; 503 is retried; then the message goes through', async () => {
    const di = await person('di');
    await subscribe(di, 'di-browser');
    push.answer('di-browser', { status: 429, headers: { 'retry-after': '1' } }, { status: 503 }, { status: 201 });
    const notificationId = await followed(di);
    const accepted = await push.next('di-browser', ofNotification(notificationId), 20_000);
    const tries = push.received.filter((r) => r.name === 'di-browser');
    expect(tries.map((r) => r.status)).toEqual([429, 503, 201]);
    expect(accepted.payload).toMatchObject({ id: notificationId, type: 'follow' });
    await waitFor(async () => (await delivery(notificationId))?.status === 'sent', 'the delivery sent');
    expect(await delivery(notificationId)).toMatchObject({ status: 'sent', attempts: 3 });
    const attempts = (await h.pool.query<{ outcome: string; error_class: string | null; created_at: Date }>(
      `SELECT outcome, error_class, created_at FROM ${SCHEMA}.delivery_attempts WHERE notification_id = $1 ORDER BY id`, [notificationId])).rows;
    expect(attempts.map((a) => [a.outcome, a.error_class])).toEqual([['transient', 'http_429'], ['transient', 'http_5xx'], ['sent', null]]);
    // Never sooner than the push service asked.
    expect(attempts[1]!.created_at.getTime() - attempts[0]!.created_at.getTime()).toBeGreaterThanOrEqual(950);
  });

  it('a critical notification is sent with Urgency: high', async () => {
    const ed = await person('ed');
    await subscribe(ed, 'ed-browser');
    const res = await h.service.app.inject({
      method: 'POST',
      url: '/api/v1/notifications',
      headers: bearer(h.tokenFor(uuidv7(), ['notifications:send'])),
      payload: { recipients: [ed], type: 'alert', title: 'Server on fire', body: 'Rack 4 is too hot', priority: 'critical' },
    });
    expect(res.statusCode).toBe(202);
    const [notificationId] = res.json().ids as string[];
    const received = await push.next('ed-browser', ofNotification(notificationId!));
    expect(received.headers.urgency).toBe('high');
    expect(received.payload).toMatchObject({ id: notificationId, title: 'Server on fire', body: 'Rack 4 is too hot', type: 'alert' });
  });
});
