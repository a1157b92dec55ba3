import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { applyMigrations, createLogger, createMetricsRegistry, createPgPool, generateTokenKeys, MemoryEventBus, TokenVerifier, uuidv7, type EventBus } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createNotificationService, MIGRATIONS_DIR, type NotificationService } from '../../src/service.js';
import { senderIdFor } from '../../src/http/api-keys.js';
import { event } from '../unit/domain/mother.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { count, FakeLiveHub, SCHEMA, waitFor } from '../support/harness.js';

/**
 * Status webhooks end to end (docs/channels.md "Status webhooks"), on PostgreSQL with a real SMTP
 * server and a real HTTP receiver on 127.0.0.1: a send-API key registers a URL, a notification it
 * sends goes out by email, and the `sent` status arrives signed per Standard Webhooks; a receiver
 * answering 500 is retried until it takes the message, exactly once. Delays are shortened.
 *
 * The service is composed here rather than through startHarness, which has no API keys.
 */
const KEYS = { alpha: 'alpha-key-0123456789', beta: 'beta-key-0123456789', ops: 'ops-key-0123456789' };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A webhook receiver: records every request; `answer` decides the status per path and arrival. */
class Receiver {
  readonly requests: Received[] = [];
  answer: (path: string, nth: number) => number = () => 204;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const status = this.answer(path, this.requests.filter((r) => r.path === path).length + 1);
        this.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}


describe('status webhooks on PostgreSQL, a real SMTP server and a real receiver', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let bus: EventBus;
  let workBus: EventBus;
  let service: NotificationService;
  const smtp = new SmtpSink();
  const receiver = new Receiver();

  beforeAll(async () => {
    await smtp.start();
    await receiver.start();
    db = await createTestDatabase('notif_webhooks');
    pool = createPgPool(db.url, { max: 10 });
    await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
    const logger = createLogger('notification-service-webhooks-test', process.env.LOG_LEVEL ?? 'silent');
    bus = new MemoryEventBus({ logger });
    workBus = new MemoryEventBus({ exchange: 'herald.notification.work', logger });
    service = await createNotificationService({
      logger,
      registry: createMetricsRegistry('notification-service'),
      pool,
      schema: SCHEMA,
      bus,
      workBus,
      verifier: new TokenVerifier(generateTokenKeys().publicKey),
      sendApiKeys: `alpha:${KEYS.alpha},beta:${KEYS.beta},ops:${KEYS.ops}:admin`,
      listen: false,
      live: () => new FakeLiveHub(),
      outboxPollMs: 60_000,
      channels: {
        fallbackDelayMs: 300,
        channelSweepMs: 50,
        smtpUrl: smtp.url,
        publicUrl: 'http://herald.test',
        trackingSecret: 'test-tracking-secret-0123456789',
        webhookAllowHttp: true,
      },
      webhooks: { retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 2000, intervalMs: 50 },
    });
    await service.start();
  });
  afterAll(async () => {
    await service?.close();
    await bus?.close();
    await workBus?.close();
    await pool?.end();
    await db?.drop();
    await receiver.stop();
    await smtp.stop();
  });

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string | undefined, payload?: unknown) =>
    service.app.inject({ method, url, headers: key ? { 'x-api-key': key } : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const register = async (key: string, body: unknown) => {
    const res = await inject('POST', '/api/v1/webhooks', key, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; secret: string; url: string; events: string[] | null };
  };
  const person = async (name: string) => {
    const id = uuidv7();
    const registered = event('user.registered', { userId: id, username: name, displayName: name, email: `${name}@example.com`, phone: null, locale: 'en', timezone: 'UTC' });
    await bus.publish([{ routingKey: registered.type, messageId: registered.id, body: registered }]);
    await waitFor(async () => (await count(pool, `${SCHEMA}.users WHERE id = $1`, [id])) === 1, `${name} in the projection`);
    return id;
  };
  const sendEmail = async (key: string, recipient: string, title: string) => {
    const res = await inject('POST', '/api/v1/notifications', key, { recipients: [recipient], type: 'system', title, body: 'Details inside', channels: ['email'] });
    expect(res.statusCode, res.body).toBe(202);
    return (res.json() as { ids: string[] }).ids[0]!;
  };
  const headersOf = (r: Received) => ({ 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) });

  it('registers with the send API key and receives a signed delivery.status for sent, then clicked', async () => {
    const hook = await register(KEYS.alpha, { url: `${receiver.url}/alpha` });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(hook.events).toBeNull();
    // The same owner's second endpoint only wants failures: a sent is not for it.
    await register(KEYS.alpha, { url: `${receiver.url}/alpha-failures`, events: ['delivery.failed', 'delivery.bounced'] });
    const listed = await inject('GET', '/api/v1/webhooks', KEYS.alpha);
    expect(listed.statusCode).toBe(200);
    expect((listed.json() as { items: { id: string; url: string }[] }).items.map((i) => i.url)).toEqual([`${receiver.url}/alpha`, `${receiver.url}/alpha-failures`]);
    expect(listed.body).not.toContain('whsec_');
    const endpoints = await pool.query(`SELECT owner_id FROM ${SCHEMA}.webhook_endpoints WHERE id = $1`, [hook.id]);
    expect(endpoints.rows[0].owner_id).toBe(senderIdFor('alpha'));

    const away = await person('away_alpha');
    const id = await sendEmail(KEYS.alpha, away, 'Your invoice is ready');
    await smtp.waitForMessages(1, 15_000);
    await waitFor(() => receiver.at('/alpha').length >= 1, 'the sent webhook');
    const got = receiver.at('/alpha')[0]!;
    expect(got.headers['content-type']).toBe('application/json');

    // The library's own verification, and an independent HMAC of "id.timestamp.body".
    const payload = new Webhook(hook.secret).verify(got.body, headersOf(got));
    expect(payload).toEqual({ type: 'delivery.status', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), data: { notificationId: id, channel: 'email', status: 'sent', provider: 'smtp', attempts: 1 } });
    const mac = createHmac('sha256', Buffer.from(hook.secret.slice('whsec_'.length), 'base64')).update(`${got.headers['webhook-id']}.${got.headers['webhook-timestamp']}.${got.body}`).digest('base64');
    expect(got.headers['webhook-signature']).toBe(`v1,${mac}`);
    expect(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(() => new Webhook(hook.secret).verify(got.body.replace('sent', 'read'), headersOf(got))).toThrow();
    await waitFor(async () => (await count(pool, `${SCHEMA}.webhook_deliveries WHERE id = $1 AND status = 'delivered' AND attempts = 1`, [got.headers['webhook-id']])) === 1, 'recorded delivered');

    // A person clicking the email's link is one more status, one more message.
    const link = /http:\/\/herald\.test(\/t\/c\/[A-Za-z0-9_.-]+)/.exec(smtp.messages[0]!.text ?? '')![1]!;
    const click = await service.app.inject({ method: 'GET', url: link, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' } });
    expect(click.statusCode).toBe(302);
    await waitFor(() => receiver.at('/alpha').length >= 2, 'the clicked webhook');
    const clicked = receiver.at('/alpha')[1]!;
    expect((new Webhook(hook.secret).verify(clicked.body, headersOf(clicked)) as { data: { status: string } }).data.status).toBe('clicked');
    expect(clicked.headers['webhook-id']).not.toBe(got.headers['webhook-id']);

    // A second click changes nothing, so it owes nothing.
    await service.app.inject({ method: 'GET', url: link, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/alpha')).toHaveLength(2);
    expect(receiver.at('/alpha-failures')).toHaveLength(0);
  });

  it('a bounce reaches both the endpoint for every event and the one that asked for failures', async () => {
    const bouncer = await person('bouncer_alpha');
    smtp.rejectRecipients.add('bouncer_alpha@example.com');
    const before = receiver.at('/alpha').length;
    const id = await sendEmail(KEYS.alpha, bouncer, 'Your password was changed');
    await waitFor(() => receiver.at('/alpha-failures').length === 1 && receiver.at('/alpha').length === before + 1, 'the bounced webhooks');
    for (const got of [receiver.at('/alpha-failures')[0]!, receiver.at('/alpha').at(-1)!]) {
      expect(JSON.parse(got.body)).toMatchObject({ type: 'delivery.status', data: { notificationId: id, channel: 'email', status: 'bounced', reason: 'bounced', provider: 'smtp', attempts: 1 } });
    }
  });

  it('retries a receiver that answers 500 twice, then delivers exactly once', async () => {
    receiver.answer = (path, nth) => (path === '/flaky' && nth <= 2 ? 500 : 204);
    const hook = await register(KEYS.beta, { url: `${receiver.url}/flaky`, events: ['delivery.sent'] });
    const away = await person('away_beta');
    const id = await sendEmail(KEYS.beta, away, 'Your parcel shipped');
    await waitFor(() => receiver.at('/flaky').length >= 3, 'three attempts');
    await new Promise((r) => setTimeout(r, 400));
    const attempts = receiver.at('/flaky');
    expect(attempts.map((a) => a.answered)).toEqual([500, 500, 204]);
    // The same message each time: one webhook-id, one body, each attempt freshly signed.
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    for (const a of attempts) expect((new Webhook(hook.secret).verify(a.body, headersOf(a)) as { data: { notificationId: string } }).data.notificationId).toBe(id);
    const row = await pool.query(`SELECT status, attempts, last_error, next_attempt_at FROM ${SCHEMA}.webhook_deliveries WHERE id = $1`, [attempts[0]!.headers['webhook-id']]);
    expect(row.rows[0]).toMatchObject({ status: 'delivered', attempts: 3, last_error: null, next_attempt_at: null });
    // alpha's endpoints hear nothing of beta's notifications.
    expect(receiver.at('/alpha').every((r) => !r.body.includes(id))).toBe(true);
  });

  it('refuses bad bodies with 400 naming the field, and lists and removes only its own', async () => {
    const bad: [unknown, string][] = [
      [{}, 'url'],
      [{ url: 'ftp://example.com/hook' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: `https://example.com/${'a'.repeat(2048)}` }, 'url'],
      [{ url: 'http://user:secret@127.0.0.1/h' }, 'url'],
      [{ url: 'https://example.com/hook', events: ['delivery.nope'] }, 'events.0'],
      [{ url: 'https://example.com/hook', events: [] }, 'events'],
      [{ url: 'https://example.com/hook', events: 'delivery.sent' }, 'events'],
    ];
    for (const [body, field] of bad) {
      const res = await inject('POST', '/api/v1/webhooks', KEYS.alpha, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error, JSON.stringify(body)).toMatchObject({ code: 'invalid_request', details: { field } });
    }
    expect((await inject('POST', '/api/v1/webhooks', undefined, { url: 'https://example.com/hook' })).statusCode).toBe(401);
    expect((await inject('POST', '/api/v1/webhooks', 'wrong-key', { url: 'https://example.com/hook' })).statusCode).toBe(401);
    // An operator key without the send scope sends nothing, so it has nothing to hear about.
    expect((await inject('POST', '/api/v1/webhooks', KEYS.ops, { url: 'https://example.com/hook' })).statusCode).toBe(403);

    const mine = await register(KEYS.alpha, { url: 'https://example.com/hook' });
    const theirs = await register(KEYS.beta, { url: 'https://example.com/other' });
    expect((await inject('DELETE', `/api/v1/webhooks/${theirs.id}`, KEYS.alpha)).statusCode).toBe(404);
    expect((await inject('DELETE', `/api/v1/webhooks/${mine.id}`, KEYS.alpha)).statusCode).toBe(204);
    expect((await inject('DELETE', `/api/v1/webhooks/${mine.id}`, KEYS.alpha)).statusCode).toBe(404);
    expect((await inject('DELETE', '/api/v1/webhooks/not-a-uuid', KEYS.alpha)).statusCode).toBe(400);
    const listed = (await inject('GET', '/api/v1/webhooks', KEYS.alpha)).json() as { items: { id: string }[] };
    expect(listed.items.map((i) => i.id)).not.toContain(mine.id);
    expect(listed.items.map((i) => i.id)).not.toContain(theirs.id);
  });
});
