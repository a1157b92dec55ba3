import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  createLogger,
  createMetricsRegistry,
  createPgPool,
  generateTokenKeys,
  MemoryEventBus,
  TokenSigner,
  TokenVerifier,
  uuidv7,
} from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createNotificationService, MIGRATIONS_DIR, type NotificationService } from '../../src/service.js';
import { FakeLiveHub, SCHEMA } from '../support/harness.js';

/**
 * Security review findings, notification-service: a `data` object nested 20,000 deep in the send
 * API (called with an API key) overflowed the stack (500); control characters anywhere in a body
 * and unknown body fields are refused. Each is a 400 in the standard shape naming the field. Open
 * on purpose: `data` itself (any JSON object) and the Twilio status callback form.
 */
const API_KEY = 'hk_hygiene_test_key';
const me = uuidv7();
const UNKNOWN = '01890a5d-ac96-774b-bcce-b302099a8057';
const TEXT = /must not contain control characters or unpaired surrogates/;
const valid = { recipients: [UNKNOWN], type: 'system', title: 'Hi' };

let db: TestDatabase;
let pool: pg.Pool;
let service: NotificationService;
const bus = new MemoryEventBus();
const workBus = new MemoryEventBus({ exchange: 'herald.notification.work' });
const keys = generateTokenKeys();
const signer = new TokenSigner(keys.privateKey);

beforeAll(async () => {
  db = await createTestDatabase('notif_hygiene');
  pool = createPgPool(db.url, { max: 5 });
  await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
  const live = new FakeLiveHub();
  service = await createNotificationService({
    logger: createLogger('notification-service-hygiene', process.env.LOG_LEVEL ?? 'silent'),
    registry: createMetricsRegistry('notification-service'),
    pool,
    schema: SCHEMA,
    bus,
    workBus,
    verifier: new TokenVerifier(keys.publicKey),
    listen: false,
    live: () => live,
    outboxPollMs: 60_000,
    sendApiKeys: `backend:${API_KEY}`,
  });
  await service.start();
  // The send API accepts registered users only.
  await pool.query(
    `INSERT INTO ${SCHEMA}.users (id, username, display_name, email, phone, locale, timezone, as_of) VALUES ($1, 'known', 'Known', 'known@example.com', NULL, 'en', 'UTC', now())`,
    [UNKNOWN],
  );
});
afterAll(async () => {
  await service?.close();
  await bus.close();
  await workBus.close();
  await pool?.end();
  await db?.drop();
});

const send = (payload: string) =>
  service.app.inject({ method: 'POST', url: '/api/v1/notifications', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, payload });

const expect400 = (res: Awaited<ReturnType<typeof send>>, field: string, message: RegExp, location = 'body') => {
  expect(res.statusCode, res.body).toBe(400);
  expect(res.json()).toEqual({ error: { code: 'invalid_request', message: expect.stringMatching(message), details: { field, location } } });
};

describe('the send API (X-API-Key)', () => {
  it('a `data` object nested 20,000 deep → 400 naming data, not a stack overflow', async () => {
    // `[` rather than `{"a":` keeps 20,000 levels under the 64 KB body limit.
    const res = await send(JSON.stringify(valid).slice(0, -1) + `,"data":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`);
    expect400(res, 'data', /^data is nested too deeply \(at most 32 levels\)$/);
    const objects = await send(JSON.stringify(valid).slice(0, -1) + `,"data":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`);
    expect400(objects, 'data', /nested too deeply/);
  });

  it('`data` stays open: any fields, nested a sane depth, are accepted', async () => {
    const data = { orderId: 'A-1', lines: [{ sku: 'x', qty: 2, meta: { gift: true } }], 'any-key': null };
    const res = await send(JSON.stringify({ ...valid, data }));
    expect(res.statusCode, res.body).toBe(202);
  });

  it.each([
    ['a control character in the title', { ...valid, title: 'Hi\u0001' }, 'title', TEXT],
    ['DEL in the body', { ...valid, body: 'text\u007f' }, 'body', TEXT],
    ['NUL deep inside data', { ...valid, data: { deep: { x: 'a\u0000b' } } }, 'data.deep.x', TEXT],
    ['an escape sequence in a data array', { ...valid, data: { lines: ['ok', '\u001b]0;pwned\u0007'] } }, 'data.lines.1', TEXT],
    ['an unknown top-level field', { ...valid, sender: 'spoofed' }, 'sender', /^sender: unknown field$/],
  ])('%s → 400 naming the field', async (_name, body, field, message) => {
    expect400(await send(JSON.stringify(body)), field, message);
  });

  it('stored nothing from the refused requests: only the one accepted send', async () => {
    const { rows } = await pool.query(`SELECT data->>'orderId' AS order_id FROM ${SCHEMA}.notifications`);
    expect(rows).toEqual([{ order_id: 'A-1' }]);
    expect((await service.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('other routes', () => {
  const user = () => ({ authorization: `Bearer ${signer.sign({ userId: me, username: 'me', scopes: ['notifications:send'] })}` });

  it('webhook registration with an unknown field → 400', async () => {
    const res = await service.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: user(), payload: { url: 'https://example.com/hook', secret: 'mine' } });
    expect400(res, 'secret', /^secret: unknown field$/);
  });

  it('mute with an unknown field → 400', async () => {
    const res = await service.app.inject({ method: 'PUT', url: `/api/v1/notifications/mutes/${UNKNOWN}`, headers: user(), payload: { kind: 'all', until: 'forever' } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.field).toBe('until');
  });

  it('preferences (validated by the domain) still get the control-character check first', async () => {
    const res = await service.app.inject({ method: 'PUT', url: '/api/v1/users/me/preferences', headers: user(), payload: { timezone: 'Europe/Paris\u0000' } });
    expect400(res, 'timezone', TEXT);
  });

  it('inbox: a control character in the cursor → 400 naming it', async () => {
    const res = await service.app.inject({ url: '/api/v1/notifications?cursor=%7F', headers: user() });
    expect400(res, 'cursor', TEXT, 'querystring');
  });

  it('the Twilio status callback stays open: a form with many provider fields reaches the signature check', async () => {
    const form = new URLSearchParams({ MessageSid: 'SM1', MessageStatus: 'delivered', AccountSid: 'AC1', From: '+15550001', To: '+15550002', ApiVersion: '2010-04-01', SmsSid: 'SM1', SmsStatus: 'delivered', RawDlrDoneDate: '2401010000' });
    const res = await service.app.inject({ method: 'POST', url: '/api/v1/providers/sms/status', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
    // No auth token configured here, so the signature cannot match: 403, not a 400 for unknown fields.
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'invalid_signature']);
  });
});
