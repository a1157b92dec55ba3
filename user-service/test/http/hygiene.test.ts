import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry, MemoryEventBus, startEmbeddedPostgres, type EmbeddedPostgres } from '@herald/platform';
import { createUserService, type UserService } from '../../src/service.js';
import { cheapHasher, testSigner, testVerifier } from '../support/memory-deps.js';
import { bearer, signUp, startTestService, type TestService } from '../support/test-service.js';

/**
 * Security review findings: control characters and lone surrogates in login, register and
 * PATCH /users/me were a 500 that broke the embedded database's one connection (failing other
 * people's requests); unknown body fields were silently dropped; a deeply nested body overflowed
 * the stack. Each is now a 400 in the standard shape naming the field.
 */
const valid = { username: 'hygiene_new', email: 'hygiene_new@example.com', password: 'a-fine-password' };

interface Case {
  name: string;
  method: 'POST' | 'PATCH' | 'GET';
  url: string;
  body?: unknown;
  raw?: string;
  auth?: boolean;
  field: string;
  location?: string;
  message?: RegExp;
}
const TEXT = /must not contain control characters or unpaired surrogates/;
const register = (patch: Record<string, unknown>, field: string, message = TEXT): Case => ({ name: `register: ${field}`, method: 'POST', url: '/api/v1/auth/register', body: { ...valid, ...patch }, field, message });
const login = (body: Record<string, unknown>, field: string): Case => ({ name: `login: ${field}`, method: 'POST', url: '/api/v1/auth/login', body, field, message: TEXT });
const patchMe = (body: Record<string, unknown>, field: string, message = TEXT): Case => ({ name: `PATCH /users/me: ${field}`, method: 'PATCH', url: '/api/v1/users/me', body, auth: true, field, message });

const cases: Case[] = [
  { ...register({ username: 'nul\u0000user' }, 'username'), name: 'register: NUL in the username' },
  { ...register({ email: 'a\u0000@example.com' }, 'email'), name: 'register: NUL in the email' },
  { ...register({ password: 'password\u0000' }, 'password'), name: 'register: NUL in the password' },
  { ...register({ displayName: 'Ann\u0000' }, 'displayName'), name: 'register: NUL in the display name' },
  { ...register({ displayName: 'Ann \ud800' }, 'displayName'), name: 'register: a lone surrogate in the display name' },
  { ...register({ displayName: 'Ann\u001b[2J' }, 'displayName'), name: 'register: a terminal escape in the display name' },
  { ...register({ timezone: 'UTC\u007f' }, 'timezone'), name: 'register: DEL in the time zone' },
  { ...login({ login: 'someone\u0000', password: 'whatever1' }, 'login'), name: 'login: NUL in the login' },
  { ...login({ login: 'someone', password: 'what\u0000ever' }, 'password'), name: 'login: NUL in the password' },
  { name: 'login: a lone surrogate as a JSON escape', method: 'POST', url: '/api/v1/auth/login', raw: '{"login":"x\\udfff","password":"whatever1"}', field: 'login', message: TEXT },
  { ...patchMe({ displayName: 'Me\u0000' }, 'displayName'), name: 'PATCH /users/me: NUL in the display name' },
  { ...patchMe({ displayName: '\udc00me' }, 'displayName'), name: 'PATCH /users/me: a lone surrogate in the display name (finding 4)' },
  { ...patchMe({ locale: 'en\u0001' }, 'locale'), name: 'PATCH /users/me: a control character in the locale' },
  { name: 'search: NUL in the query string', method: 'GET', url: '/api/v1/users?query=a%00', auth: true, field: 'query', location: 'querystring', message: TEXT },
  { ...register({ isAdmin: true }, 'isAdmin', /^isAdmin: unknown field$/), name: 'register: an unknown field' },
  { name: 'login: an unknown field', method: 'POST', url: '/api/v1/auth/login', body: { login: 'someone', password: 'whatever1', remember: true }, field: 'remember', message: /^remember: unknown field$/ },
  { ...patchMe({ username: 'renamed' }, 'username', /^username: unknown field$/), name: 'PATCH /users/me: an unknown field (username is not editable)' },
  { name: 'register: a body nested 20,000 deep', method: 'POST', url: '/api/v1/auth/register', raw: `{"username":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, field: 'username', message: /nested too deeply/ },
];

describe('input hygiene (user-service)', () => {
  let t: TestService;
  let token = '';

  beforeAll(async () => {
    t = await startTestService();
    token = (await signUp(t.app, { username: 'hygiene_me', email: 'hygiene_me@example.com', password: 'me-password' })).accessToken;
  });
  afterAll(() => t?.close());

  it.each(cases)('$name → 400 naming $field', async (c) => {
    const headers: Record<string, string> = { ...(c.auth ? bearer(token) : {}), ...(c.raw !== undefined ? { 'content-type': 'application/json' } : {}) };
    const res = await t.app.inject({ method: c.method, url: c.url, headers, ...(c.raw !== undefined ? { payload: c.raw } : c.body !== undefined ? { payload: c.body as object } : {}) });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'invalid_request', message: expect.stringMatching(c.message ?? /./), details: { field: c.field, location: c.location ?? 'body' } } });
    expect(res.json().error.message).toContain(c.field);
  });

  it('stored nothing from those requests and still answers; other Unicode is fine', async () => {
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM "${t.schema}".users`);
    expect(rows[0].n).toBe(1);
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { ...valid, displayName: 'Zoë 😀' } });
    expect(ok.statusCode, ok.body).toBe(201);
    const me = await t.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(token), payload: { displayName: 'Ünïcödé 日本 👩‍💻' } });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().user.displayName).toBe('Ünïcödé 日本 👩‍💻');
  });
});

describe('on the embedded database (one connection for everyone)', () => {
  let tmp: string;
  let pg: EmbeddedPostgres;
  let service: UserService;
  const bus = new MemoryEventBus();

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'herald-user-hygiene-'));
    pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg') });
    service = await createUserService({
      logger: createLogger('user-service', process.env.TEST_LOG_LEVEL ?? 'silent'),
      registry: createMetricsRegistry('user-service'),
      pool: pg.pool,
      schema: 'users',
      bus,
      verifier: testVerifier,
      signer: testSigner,
      listen: false,
      hasher: cheapHasher(),
    });
    await service.start();
    await signUp(service.app, { username: 'embedded_bob', email: 'bob@example.com', password: 'bob-password' });
  });
  afterAll(async () => {
    try {
      await service?.close();
      await bus.close();
      await pg?.close();
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  });

  it('a NUL login is a 400, and everyone else logging in around it gets in', async () => {
    const bob = () => service.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'embedded_bob', password: 'bob-password' } });
    const attack = () => service.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'embedded_bob\u0000', password: 'bob-password' } });
    const results = await Promise.all([bob(), attack(), bob(), attack(), bob()]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 400, 200, 400, 200]);
    expect((await bob()).statusCode).toBe(200);
  });

  it('a unique violation inside a transaction (a taken username) leaves the connection usable for the next request', async () => {
    const taken = await service.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'embedded_bob', email: 'other@example.com', password: 'bob-password' } });
    expect(taken.statusCode, taken.body).toBe(409);
    const next = await service.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'embedded_bob', password: 'bob-password' } });
    expect(next.statusCode, next.body).toBe(200);
  });
});
