import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createLogger, createMetricsRegistry, createPgPool, generateTokenKeys, MemoryEventBus, TokenVerifier, uuidv7 } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createNotificationService, MIGRATIONS_DIR, type NotificationService } from '../../src/service.js';
import { FakeLiveHub, SCHEMA, waitFor } from '../support/harness.js';

/**
 * The operators' template routes on PostgreSQL, with two instances on one database: versions
 * kept, validation, 404s, preview, return to the built-in, and a change made through one instance
 * used by the other (its version check) in the in-app words and the emails people get.
 */
const ADMIN_KEY = 'hk_templates_admin_key_0123';
const SEND_KEY = 'hk_templates_send_key_01234';
const REFRESH_MS = 200;
const PUBLIC_URL = 'http://herald.test';

let db: TestDatabase;
let pool: pg.Pool;
const bus = new MemoryEventBus();
const workBus = new MemoryEventBus({ exchange: 'herald.notification.work' });
const instances: NotificationService[] = [];
const keys = generateTokenKeys();

beforeAll(async () => {
  db = await createTestDatabase('notif_templates');
  pool = createPgPool(db.url, { max: 8 });
  await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
  for (let i = 0; i < 2; i++) {
    const service = await createNotificationService({
      logger: createLogger(`notification-service-templates-${i}`, process.env.LOG_LEVEL ?? 'silent'),
      registry: createMetricsRegistry('notification-service'),
      pool,
      schema: SCHEMA,
      bus,
      workBus,
      verifier: new TokenVerifier(keys.publicKey),
      listen: false,
      live: () => new FakeLiveHub(),
      outboxPollMs: 60_000,
      sendApiKeys: `ops:${ADMIN_KEY}:admin,backend:${SEND_KEY}`,
      channels: { captureUnconfigured: true, fallbackDelayMs: 300, channelSweepMs: 100, publicUrl: PUBLIC_URL },
      templates: { refreshMs: REFRESH_MS },
    });
    await service.start();
    instances.push(service);
  }
}, 60_000);

afterAll(async () => {
  for (const s of instances) await s.close();
  await bus.close();
  await workBus.close();
  await pool?.end();
  await db?.drop();
});

const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown, key = ADMIN_KEY, on = 0) =>
  instances[on]!.app.inject({ method, url, headers: { 'x-api-key': key, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}) });

const BASE = '/api/v1/admin/templates';
const FOLLOW_EMAIL_ES = `${BASE}/follow/email/es`;
const section = (text: string) => `<mj-section><mj-column><mj-text>${text}</mj-text><mj-button href="{{link}}">{{t "open"}}</mj-button></mj-column></mj-section>`;

describe('admin template routes', () => {
  it('need an API key with the admin scope', async () => {
    const none = await instances[0]!.app.inject({ url: BASE });
    expect([none.statusCode, none.json().error.code]).toEqual([401, 'api_key_required']);
    const send = await call('GET', BASE, undefined, SEND_KEY);
    expect([send.statusCode, send.json().error.code]).toEqual([403, 'forbidden']);
  });

  it('list every built-in template: 9 types × 5 channels + digest × 4, in en and es, version 0', async () => {
    const res = await call('GET', BASE);
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { type: string; channel: string; locale: string; version: number; source: string }[];
    expect(items).toHaveLength(98);
    expect(items[0]).toEqual({ type: 'follow', channel: 'in_app', locale: 'en', version: 0, source: 'builtin', updatedAt: null, updatedBy: null });
    expect(new Set(items.map((i) => i.locale))).toEqual(new Set(['en', 'es']));
    expect(items.filter((i) => i.type === 'digest').map((i) => i.channel)).toEqual(['email', 'email', 'sms', 'sms', 'slack', 'slack', 'push', 'push']);
    const filtered = await call('GET', `${BASE}?type=like&channel=sms`);
    expect(filtered.json().items.map((i: { locale: string }) => i.locale)).toEqual(['en', 'es']);
    expect((await call('GET', `${BASE}?channel=fax`)).statusCode).toBe(400);
  });

  it('unknown type, channel or locale → 404, never a 500', async () => {
    for (const path of ['party/email/en', 'like/fax/en', 'digest/in_app/en', 'like/email/pt', 'like/email/xx-invalid-tag-', 'like/email/%27%3B--']) {
      for (const [method, payload] of [['GET', undefined], ['PUT', { subject: 'x', body: 'x' }], ['DELETE', undefined], ['POST', {}]] as const) {
        const res = await call(method, `${BASE}/${path}${method === 'POST' ? '/preview' : ''}`, payload);
        expect([res.statusCode, res.json().error.code], `${method} ${path}`).toEqual([404, 'not_found']);
      }
    }
  });

  it('GET shows the built-in texts; a region without its own template shows what it inherits', async () => {
    const res = await call('GET', FOLLOW_EMAIL_ES);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ type: 'follow', channel: 'email', locale: 'es', version: 0, source: 'builtin', versions: [] });
    expect(res.json().current.subject).toBe('{{people}} {{plural count one="empezó" other="empezaron"}} a seguirte');
    expect(res.json().current.body).toContain('<mj-section');
    const mx = await call('GET', `${BASE}/follow/email/es-mx`);
    expect(mx.json()).toMatchObject({ locale: 'es-MX', source: 'builtin', inheritedFrom: 'es', builtin: null, versions: [] });
  });

  it('PUT refuses what does not compile, naming the field: 400, nothing stored', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ subject: '{{people}}', body: section('{{excerpt}') }, 'body', /does not parse/],
      [{ subject: '{{nobody}}', body: section('x') }, 'subject', /unknown variable "nobody"/],
      [{ subject: 'x', body: section('x').replace('mj-text', 'mj-txt').replace('/mj-text', '/mj-txt') }, 'body', /MJML: line 1: Element mj-txt/],
      [{ subject: 'x' }, 'body', /body/],
      [{ subject: 'x', body: section('x'), footer: 'x' }, 'footer', /unknown field/],
      [{ subject: 'x', body: section('x'), title: 'x' }, 'title', /email templates have no title/],
      [{ subject: 7, body: section('x') }, 'subject', /string/],
      [{ subject: 'a\u0000b', body: section('x') }, 'subject', /control characters/],
    ];
    for (const [payload, field, message] of cases) {
      const res = await call('PUT', FOLLOW_EMAIL_ES, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_request', details: { field } });
      expect(res.json().error.message).toMatch(message);
    }
    expect((await call('GET', FOLLOW_EMAIL_ES)).json().versions).toEqual([]);
  });

  it('PUT stores versions 1, 2, 3 and keeps them; DELETE returns to the built-in as a version of its own', async () => {
    const v1 = await call('PUT', FOLLOW_EMAIL_ES, { subject: 'v1 {{people}}', body: section('uno') });
    expect(v1.statusCode, v1.body).toBe(200);
    expect(v1.json()).toMatchObject({ type: 'follow', channel: 'email', locale: 'es', version: 1, source: 'custom', updatedBy: 'api:ops' });
    await call('PUT', FOLLOW_EMAIL_ES, { subject: 'v2 {{people}}', body: section('dos') });
    const removed = await call('DELETE', FOLLOW_EMAIL_ES);
    expect(removed.json()).toMatchObject({ version: 3, source: 'builtin', changed: true });
    expect((await call('DELETE', FOLLOW_EMAIL_ES)).json()).toMatchObject({ version: 3, source: 'builtin', changed: false });
    const detail = (await call('GET', FOLLOW_EMAIL_ES)).json();
    expect(detail).toMatchObject({ version: 3, source: 'builtin' });
    expect(detail.versions.map((v: { version: number; source: string; parts: { subject?: string } | null }) => [v.version, v.source, v.parts?.subject ?? null])).toEqual([
      [3, 'builtin', null],
      [2, 'custom', 'v2 {{people}}'],
      [1, 'custom', 'v1 {{people}}'],
    ]);
    // Rolling back to version 1 is a PUT of its texts: version 4.
    const back = await call('PUT', FOLLOW_EMAIL_ES, detail.versions[2].parts);
    expect(back.json()).toMatchObject({ version: 4, source: 'custom' });
    const listed = (await call('GET', `${BASE}?type=follow&channel=email&locale=es`)).json().items;
    expect(listed).toEqual([expect.objectContaining({ version: 4, source: 'custom', updatedBy: 'api:ops' })]);
  });

  it('two changes at once get two version numbers', async () => {
    const path = `${BASE}/post/slack/en`;
    const results = await Promise.all([call('PUT', path, { body: 'a {{people}}' }), call('PUT', path, { body: 'b {{people}}' }, ADMIN_KEY, 1)]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(results.map((r) => r.json().version).sort()).toEqual([1, 2]);
  });

  it('preview renders sample data, the caller’s data and zone, or texts not stored yet', async () => {
    const plain = await call('POST', `${BASE}/like/in_app/es/preview`, {});
    expect(plain.json()).toMatchObject({ type: 'like', channel: 'in_app', locale: 'es', template: { locale: 'es', source: 'builtin', version: 0 }, rendered: { channel: 'in_app', title: 'Ana Lima y 12 personas más marcaron tu publicación con «Me gusta»' } });
    const one = await call('POST', `${BASE}/like/in_app/en/preview`, { data: { count: 1, actors: [{ name: 'Ana Lima', username: 'ana' }] } });
    expect(one.json().rendered.title).toBe('Ana Lima liked your post');
    const zoned = await call('POST', `${BASE}/reminder/email/en/preview`, { timeZone: 'Asia/Tokyo' });
    expect(zoned.json().rendered.text).toContain('Due Saturday, December 12, 2026 at 6:30 PM');
    expect(zoned.json().rendered.html).toMatch(/^<!doctype html>/i);
    const draft = await call('POST', `${BASE}/digest/sms/en/preview`, { template: { body: '{{plural total one="# thing" other="# things"}}' }, data: { total: 1 } });
    expect(draft.json()).toMatchObject({ template: { source: 'custom', version: 0 }, rendered: { channel: 'sms', text: '1 thing https://herald.example/t/c/preview-inbox', segments: 1, encoding: 'gsm7' } });
    const mx = await call('POST', `${BASE}/follow/in_app/es-MX/preview`, {});
    expect(mx.json().template).toEqual({ locale: 'es', source: 'builtin', version: 0 });
    const bad: [unknown, string][] = [
      [{ data: { nobody: 1 } }, 'data.nobody'],
      [{ timeZone: 'Mars/Base' }, 'timeZone'],
      [{ template: { body: '{{#each}}' } }, 'body'],
      [{ template: { title: 'x', body: 'y' } }, 'title'],
      [{ extra: 1 }, 'extra'],
    ];
    for (const [payload, field] of bad) {
      const res = await call('POST', `${BASE}/digest/sms/en/preview`, payload);
      expect([res.statusCode, res.json().error.details?.field], JSON.stringify(payload)).toEqual([400, field]);
    }
  });
});

describe('a change made through one instance, used by the other', () => {
  const publish = (type: string, data: unknown) => bus.publish([{ routingKey: type, messageId: uuidv7(), body: { id: uuidv7(), type, occurredAt: new Date().toISOString(), producer: 'test', version: 1, data } }]);

  it('in-app words in the recipient’s language; the email from the operator’s version, in their zone', async () => {
    const carmen = uuidv7();
    const name = `carmen_${carmen.slice(-6)}`;
    await publish('user.registered', { userId: carmen, username: name, displayName: 'Carmen', email: `${name}@example.com`, phone: null, locale: 'es-ES', timezone: 'Europe/Madrid' });
    await waitFor(async () => (await pool.query(`SELECT 1 FROM ${SCHEMA}.users WHERE id = $1`, [carmen])).rowCount === 1, 'the projection');

    // Stored through instance 0; instance 1, whose workers send every email, picks it up by its version check.
    const put = await call('PUT', `${BASE}/follow/email/es`, { subject: 'Novedad: {{people}} · {{date createdAt dateStyle="none" timeStyle="short"}}', preheader: '{{people}}', body: section('{{people}} te sigue desde el {{date createdAt dateStyle="long" timeStyle="none"}}') });
    expect(put.statusCode, put.body).toBe(200);
    expect(instances[0]!.templates.current().resolve('follow', 'email', 'es')).toMatchObject({ source: 'custom', version: put.json().version });
    await new Promise((r) => setTimeout(r, REFRESH_MS + 50));
    // The other instance's next render checks the stamp (its last check is older than refreshMs) and recompiles.
    await instances[1]!.templates.refresh();
    expect(instances[1]!.templates.current().resolve('follow', 'email', 'es')).toMatchObject({ source: 'custom', version: put.json().version });

    await publish('user.followed', { follower: { id: uuidv7(), username: 'lucia', displayName: 'Lucía' }, followeeId: carmen });
    await waitFor(async () => (await instances[0]!.deps.inbox.list(carmen, { limit: 1 })).items.length === 1, 'the in-app item');
    const [item] = (await instances[1]!.deps.inbox.list(carmen, { limit: 1 })).items;
    expect(item).toMatchObject({ type: 'follow', title: 'Lucía empezó a seguirte', body: '' });

    // Either instance's worker may take it (they share the channel queues).
    const captured = () => instances.flatMap((s) => s.channels.registry.capture!.list()).filter((m) => m.to === `${name}@example.com`);
    await waitFor(() => captured().length > 0, 'the email', 15_000);
    const [mail] = captured();
    const hhmm = new Intl.DateTimeFormat('es-ES', { timeZone: 'Europe/Madrid', timeStyle: 'short' }).format(new Date(item!.createdAt));
    expect(mail!.subject).toBe(`Novedad: Lucía · ${hhmm}`);
    expect(mail!.html).toContain('Lucía te sigue desde el');
    expect(mail!.html).toContain('Recibes este correo porque no estabas en Herald');
    expect(mail!.text).toMatch(/Abrir en Herald http:\/\/herald\.test\/t\/c\/[A-Za-z0-9_.-]+/);
    expect(mail!.html).toMatch(/src="http:\/\/herald\.test\/t\/o\/[A-Za-z0-9_.-]+"/);
  });
});
