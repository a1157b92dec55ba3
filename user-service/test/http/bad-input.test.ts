import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { expectBadInput } from '@herald/platform/testing';
import { bearer, signUp, startTestService, type TestService } from '../support/test-service.js';

/**
 * Malformed requests of every kind get a 4xx with the public error shape naming the field, never
 * a 500, and the service keeps answering afterwards.
 */
interface Case {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string | ((ids: Ids) => string);
  body?: unknown;
  raw?: string;
  auth?: 'me' | 'none' | string;
  status: number;
  code: string;
  field?: string;
}
interface Ids {
  me: string;
  other: string;
}

const valid = { username: 'fresh_user', email: 'fresh@example.com', password: 'a-fine-password' };
const register = (patch: Record<string, unknown>, omit?: string): Partial<Case> => {
  const body: Record<string, unknown> = { ...valid, ...patch };
  if (omit) delete body[omit];
  return { method: 'POST', url: '/api/v1/auth/register', body, auth: 'none' };
};
const followers = (query: string) => (ids: Ids) => `/api/v1/users/${ids.other}/followers?${query}`;

const cases: Case[] = [
  { name: 'register without username', ...register({}, 'username'), status: 400, code: 'invalid_request', field: 'username' } as Case,
  { name: 'username of the wrong type', ...register({ username: { $gt: '' } }), status: 400, code: 'invalid_request', field: 'username' } as Case,
  { name: 'password as a number', ...register({ password: 12345678 }), status: 400, code: 'invalid_request', field: 'password' } as Case,
  { name: 'username wrapped in an array', ...register({ username: ['arr_user'] }), status: 400, code: 'invalid_request', field: 'username' } as Case,
  { name: 'username too short', ...register({ username: 'ab' }), status: 400, code: 'invalid_request', field: 'username' } as Case,
  { name: 'username with unicode', ...register({ username: 'jöšé_ü' }), status: 400, code: 'invalid_request', field: 'username' } as Case,
  { name: 'username with SQL', ...register({ username: "x'; DROP TABLE users;--" }), status: 400, code: 'invalid_request', field: 'username' } as Case,
  { name: 'huge password', ...register({ password: 'p'.repeat(10_000) }), status: 400, code: 'invalid_request', field: 'password' } as Case,
  { name: 'short password', ...register({ password: 'short' }), status: 400, code: 'invalid_request', field: 'password' } as Case,
  { name: 'email without a domain', ...register({ email: 'not-an-email' }), status: 400, code: 'invalid_request', field: 'email' } as Case,
  { name: 'email over 254 characters', ...register({ email: `${'e'.repeat(250)}@example.com` }), status: 400, code: 'invalid_request', field: 'email' } as Case,
  { name: 'email null', ...register({ email: null }), status: 400, code: 'invalid_request', field: 'email' } as Case,
  { name: 'unknown time zone', ...register({ timezone: 'Mars/Olympus_Mons' }), status: 400, code: 'invalid_request', field: 'timezone' } as Case,
  { name: 'locale that is no language tag', ...register({ locale: 'english!!' }), status: 400, code: 'invalid_request', field: 'locale' } as Case,
  { name: 'phone that is words', ...register({ phone: 'call me maybe' }), status: 400, code: 'invalid_request', field: 'phone' } as Case,
  { name: 'display name over 100 characters', ...register({ displayName: 'd'.repeat(101) }), status: 400, code: 'invalid_request', field: 'displayName' } as Case,
  { name: 'display name with a bidi override', ...register({ displayName: 'admin\u202Egnp.exe' }), status: 400, code: 'invalid_request', field: 'displayName' } as Case,
  { name: 'register body that is not JSON', method: 'POST', url: '/api/v1/auth/register', raw: '{"username": "x",', auth: 'none', status: 400, code: 'invalid_json', field: 'body' },
  { name: 'register body that is an array', method: 'POST', url: '/api/v1/auth/register', body: [valid], auth: 'none', status: 400, code: 'invalid_request', field: 'body' },
  { name: 'prototype pollution', method: 'POST', url: '/api/v1/auth/register', raw: `{"username":"proto_user","email":"p@example.com","password":"a-fine-password","__proto__":{"admin":true}}`, auth: 'none', status: 400, code: 'invalid_json', field: 'body' },
  { name: 'body over the size limit', ...register({ displayName: 'x'.repeat(70_000) }), status: 413, code: 'payload_too_large' } as Case,
  { name: 'login without password', method: 'POST', url: '/api/v1/auth/login', body: { login: 'someone' }, auth: 'none', status: 400, code: 'invalid_request', field: 'password' },
  { name: 'login with an operator object', method: 'POST', url: '/api/v1/auth/login', body: { login: { $ne: null }, password: 'whatever1' }, auth: 'none', status: 400, code: 'invalid_request', field: 'login' },
  { name: 'user id that is no uuid', url: '/api/v1/users/not-a-uuid', status: 400, code: 'invalid_request', field: 'id' },
  { name: 'user id with SQL', url: `/api/v1/users/${encodeURIComponent("1' OR '1'='1")}`, status: 400, code: 'invalid_request', field: 'id' },
  { name: 'unknown user', url: () => `/api/v1/users/${uuidv7()}`, status: 404, code: 'not_found' },
  { name: 'negative limit', url: followers('limit=-5'), status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'absurd limit', url: followers('limit=1000000'), status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'limit that is no number', url: followers('limit=ten'), status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'forged cursor', url: followers('cursor=ZTE6bm90LWEtdXVpZA'), status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'cursor of garbage', url: followers(`cursor=${encodeURIComponent('{"$where":"1"}')}`), status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'followers of an unknown user', url: () => `/api/v1/users/${uuidv7()}/followers`, status: 404, code: 'not_found' },
  { name: 'following yourself', method: 'POST', url: (ids) => `/api/v1/users/${ids.me}/follow`, status: 400, code: 'cannot_follow_self', field: 'id' },
  { name: 'following yourself in capitals', method: 'POST', url: (ids) => `/api/v1/users/${ids.me.toUpperCase()}/follow`, status: 400, code: 'cannot_follow_self', field: 'id' },
  { name: 'following an unknown user', method: 'POST', url: () => `/api/v1/users/${uuidv7()}/follow`, status: 404, code: 'not_found' },
  { name: 'blocking yourself', method: 'PUT', url: (ids) => `/api/v1/users/${ids.me}/block`, status: 400, code: 'invalid_request', field: 'id' },
  { name: 'unblocking yourself in capitals', method: 'DELETE', url: (ids) => `/api/v1/users/${ids.me.toUpperCase()}/block`, status: 400, code: 'invalid_request', field: 'id' },
  { name: 'blocking an unknown user', method: 'PUT', url: () => `/api/v1/users/${uuidv7()}/block`, status: 404, code: 'not_found' },
  { name: 'unblocking an unknown user', method: 'DELETE', url: () => `/api/v1/users/${uuidv7()}/block`, status: 404, code: 'not_found' },
  { name: 'blocking an id that is no uuid', method: 'PUT', url: '/api/v1/users/not-a-uuid/block', status: 400, code: 'invalid_request', field: 'id' },
  { name: 'blocking without a token', method: 'PUT', url: (ids) => `/api/v1/users/${ids.other}/block`, auth: 'none', status: 401, code: 'missing_token' },
  { name: 'blocks page with a zero limit', url: '/api/v1/users/me/blocks?limit=0', status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'blocks page with a forged cursor', url: '/api/v1/users/me/blocks?cursor=ZTE6bm90LWEtdXVpZA', status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'direct-message policy that is not one of the two', method: 'PATCH', url: '/api/v1/users/me', body: { directMessages: 'nobody' }, status: 400, code: 'invalid_request', field: 'directMessages' },
  { name: 'direct-message policy as a boolean', method: 'PATCH', url: '/api/v1/users/me', body: { directMessages: false }, status: 400, code: 'invalid_request', field: 'directMessages' },
  { name: 'no token', url: '/api/v1/users/me', auth: 'none', status: 401, code: 'missing_token' },
  { name: 'forged token', url: '/api/v1/users/me', auth: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', status: 401, code: 'invalid_token' },
  { name: 'token checked before the body', method: 'PATCH', url: '/api/v1/users/me', body: { timezone: 1 }, auth: 'none', status: 401, code: 'missing_token' },
  { name: 'empty patch', method: 'PATCH', url: '/api/v1/users/me', body: {}, status: 400, code: 'invalid_request', field: 'body' },
  { name: 'patch with SQL in the time zone', method: 'PATCH', url: '/api/v1/users/me', body: { timezone: "UTC'; DROP SCHEMA users CASCADE;--" }, status: 400, code: 'invalid_request', field: 'timezone' },
  { name: 'search without query', url: '/api/v1/users', status: 400, code: 'invalid_request', field: 'query' },
  { name: 'search with a huge query', url: `/api/v1/users?query=${'q'.repeat(1000)}`, status: 400, code: 'invalid_request', field: 'query' },
  { name: 'unknown route', url: '/api/v1/users/me/secrets', status: 404, code: 'route_not_found' },
];

describe('bad input', () => {
  let t: TestService;
  let token: string;
  const ids = {} as Ids;

  beforeAll(async () => {
    t = await startTestService();
    const me = await signUp(t.app, { username: 'bad_input_me', email: 'me@example.com', password: 'me-password' });
    const other = await signUp(t.app, { username: 'bad_input_other', email: 'other@example.com', password: 'other-password' });
    token = me.accessToken;
    Object.assign(ids, { me: me.user.id, other: other.user.id });
  });
  afterAll(() => t?.close());

  it.each(cases)('$name → $status $code', async (c) => {
    const headers: Record<string, string> = {};
    if (c.auth === undefined || c.auth === 'me') Object.assign(headers, bearer(token));
    else if (c.auth !== 'none') Object.assign(headers, bearer(c.auth));
    const { body, ...rest } = c;
    await expectBadInput(t.app, { ...rest, url: typeof c.url === 'function' ? c.url(ids) : c.url, payload: body, auth: undefined }, { authHeaders: headers });
  });

  it('treats SQL in a search as a username prefix that matches no one', async () => {
    const res = await t.app.inject({ url: `/api/v1/users?query=${encodeURIComponent("%' OR 1=1 --")}`, headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ items: [] });
  });

  it('still answers, and stored nothing from the bad requests', async () => {
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: valid });
    expect(ok.statusCode).toBe(201);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM "${t.schema}".users`);
    expect(rows[0].n).toBe(3);
    const me = await t.app.inject({ url: '/api/v1/users/me', headers: bearer(token) });
    expect(me.json().user).toMatchObject({ timezone: 'UTC', followingCount: 0 });
  });
});
