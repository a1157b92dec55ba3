import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from '../../src/http.js';
import { UnauthorizedError } from '../../src/errors.js';
import { findInputProblem, MAX_JSON_DEPTH } from '../../src/input-hygiene.js';
import { closeObjects } from '../../src/validation.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';

/**
 * The central input rules every service gets from createHttpApp: no control characters or lone
 * surrogates in any text (body, query, params), no JSON nested deeper than 32, no unknown body
 * fields; each a 400 in the standard error shape naming the field, never a 500.
 */
const deep = (levels: number, leaf: unknown = 1): string => '{"a":'.repeat(levels) + JSON.stringify(leaf) + '}'.repeat(levels);
// 20,000 levels in 40 KB, under the 64 KB body limit.
const deepArrays = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

const ProfileBody = Type.Object(
  {
    displayName: Type.String({ maxLength: 100 }),
    nested: Type.Optional(Type.Object({ note: Type.String() })),
    // Open on purpose (a free-form payload): keeps fields it does not list.
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    extras: Type.Optional(Type.Object({ known: Type.Optional(Type.String()) }, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
// Says nothing about other fields: closed all the same.
const SilentBody = Type.Object({ text: Type.String(), inner: Type.Optional(Type.Object({ x: Type.Integer() })) });

let app: HttpApp;
let received: unknown[] = [];

beforeAll(async () => {
  app = await createHttpApp({ service: 'hygiene', logger: createLogger('hygiene', 'silent'), registry: createMetricsRegistry('hygiene') });
  app.post('/profile', { schema: { body: ProfileBody } }, async (req) => {
    received.push(req.body);
    return { ok: true };
  });
  app.post('/silent', { schema: { body: SilentBody } }, async (req) => ({ body: req.body }));
  app.post('/union', { schema: { body: Type.Union([Type.Object({ kind: Type.Optional(Type.String()) }), Type.Null()]) } }, async () => ({ ok: true }));
  app.get('/search/:id', { schema: { params: Type.Object({ id: Type.String() }), querystring: Type.Object({ query: Type.Optional(Type.String()) }) } }, async (req) => ({ query: req.query }));
  // A route with its own validator (as notification preferences have), and one with no schema.
  app.route({ method: 'PUT', url: '/own-validator', schema: { body: Type.Object({ a: Type.String() }) }, validatorCompiler: () => () => true, handler: async () => ({ ok: true }) });
  app.post('/no-schema', async (req) => ({ got: req.body }));
  app.get('/proxy/*', async () => ({ proxied: true }));
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req) => {
      if (!req.headers.authorization) throw new UnauthorizedError('a valid access token is required', 'missing_token');
    });
    scope.post('/authed', { schema: { body: Type.Object({ text: Type.String() }) } }, async () => ({ ok: true }));
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

async function post(url: string, payload: unknown, raw?: string) {
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: raw ?? JSON.stringify(payload) });
  return { status: res.statusCode, body: res.json() };
}

const invalid = (field: string, location: string, message: string | RegExp) => ({
  error: { code: 'invalid_request', message: typeof message === 'string' ? message : expect.stringMatching(message), details: { field, location } },
});

describe('control characters and lone surrogates', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['BEL', 'ring\u0007'],
    ['ESC (terminal escape)', '\u001b[31mred'],
    ['vertical tab', 'a\u000bb'],
    ['form feed', 'a\u000cb'],
    ['DEL', 'a\u007fb'],
    ['a lone high surrogate', 'broken \ud800 text'],
    ['a lone low surrogate', 'broken \udc00 text'],
    ['a reversed pair', '\udc00\ud800'],
  ])('%s in a body string → 400 naming the field', async (_name, displayName) => {
    received = [];
    expect(await post('/profile', { displayName })).toEqual({
      status: 400,
      body: invalid('displayName', 'body', 'displayName must not contain control characters or unpaired surrogates'),
    });
    expect(received).toEqual([]);
  });

  it('a lone surrogate sent as a JSON escape is refused too', async () => {
    expect(await post('/profile', undefined, '{"displayName":"x \\ud800 y"}')).toMatchObject({ status: 400, body: invalid('displayName', 'body', /displayName must not/) });
  });

  it('tab, LF, CR, emoji (surrogate pairs) and other Unicode pass', async () => {
    received = [];
    const displayName = 'Zoë\t😀 日本\r\n\u00a0\u200b';
    expect(await post('/profile', { displayName })).toEqual({ status: 200, body: { ok: true } });
    expect(received).toEqual([{ displayName }]);
  });

  it('names nested fields and array items by their dotted path', async () => {
    expect(await post('/profile', { displayName: 'ok', data: { list: ['fine', { title: 'a\u0000' }] } })).toEqual({
      status: 400,
      body: invalid('data.list.1.title', 'body', /^data\.list\.1\.title must not contain/),
    });
  });

  it('checks object keys, inside open objects too', async () => {
    expect(await post('/profile', { displayName: 'ok', data: { 'bad\u0000key': 1 } })).toEqual({
      status: 400,
      body: invalid('data', 'body', 'data has a field name that must not contain control characters or unpaired surrogates'),
    });
  });

  it('query strings and path params are checked as well', async () => {
    const query = await app.inject({ url: '/search/abc?query=%00' });
    expect([query.statusCode, query.json()]).toEqual([400, invalid('query', 'querystring', /^query must not contain/)]);
    const repeated = await app.inject({ url: '/search/abc?query=fine&other=x%01' });
    expect([repeated.statusCode, repeated.json()]).toEqual([400, invalid('other', 'querystring', /^other must not contain/)]);
    // A repeated parameter is named by its name, not its occurrence (`query`, not `query.1`).
    const twice = await app.inject({ url: '/search/abc?query=fine&query=x%00' });
    expect([twice.statusCode, twice.json()]).toEqual([400, invalid('query', 'querystring', /^query must not contain/)]);
    const param = await app.inject({ url: '/search/a%07b' });
    expect([param.statusCode, param.json()]).toEqual([400, invalid('id', 'params', /^id must not contain/)]);
    const wildcard = await app.inject({ url: '/proxy/users/a%01b' });
    expect([wildcard.statusCode, wildcard.json()]).toEqual([400, invalid('path', 'params', /^path must not contain/)]);
    const ok = await app.inject({ url: '/search/abc?query=caf%C3%A9' });
    expect([ok.statusCode, ok.json()]).toEqual([200, { query: { query: 'café' } }]);
  });

  it('also covers routes with their own validator and routes without a schema', async () => {
    const own = await app.inject({ method: 'PUT', url: '/own-validator', payload: { a: 'x\u0000' } });
    expect([own.statusCode, own.json()]).toEqual([400, invalid('a', 'body', /^a must not contain/)]);
    expect(await post('/no-schema', { anything: ['\u0008'] })).toEqual({ status: 400, body: invalid('anything.0', 'body', /must not contain/) });
  });

  it('a missing token is still answered first (401), as for schema errors', async () => {
    expect(await post('/authed', { text: 'a\u0000' })).toMatchObject({ status: 401, body: { error: { code: 'missing_token' } } });
  });

  it('an unknown route stays a 404', async () => {
    expect(await post('/nowhere', { text: 'a\u0000' })).toMatchObject({ status: 404, body: { error: { code: 'route_not_found' } } });
  });
});

describe('nesting depth', () => {
  it(`20,000 levels in an open payload → 400 naming the field, not a stack overflow`, async () => {
    const raw = `{"displayName":"ok","data":{"a":${deepArrays(20_000)}}}`;
    expect(await post('/profile', undefined, raw)).toEqual({ status: 400, body: invalid('data', 'body', `data is nested too deeply (at most ${MAX_JSON_DEPTH} levels)`) });
  });

  it('20,000 nested arrays as the whole body → 400 naming the body', async () => {
    const raw = deepArrays(20_000);
    expect(await post('/no-schema', undefined, raw)).toEqual({ status: 400, body: invalid('body', 'body', /^body is nested too deeply/) });
  });

  it(`exactly ${MAX_JSON_DEPTH} levels pass, ${MAX_JSON_DEPTH + 1} do not`, async () => {
    // The body object is level 1; `data` is the outermost of deep(n)'s n objects, at level 2.
    expect((await post('/profile', undefined, `{"displayName":"ok","data":${deep(MAX_JSON_DEPTH - 1)}}`)).status).toBe(200);
    expect((await post('/profile', undefined, `{"displayName":"ok","data":${deep(MAX_JSON_DEPTH)}}`)).status).toBe(400);
  });

  it('the service keeps answering afterwards', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('unknown body fields', () => {
  it('→ 400 naming the field, not silently dropped', async () => {
    received = [];
    expect(await post('/profile', { displayName: 'ok', isAdmin: true })).toEqual({ status: 400, body: invalid('isAdmin', 'body', 'isAdmin: unknown field') });
    expect(received).toEqual([]);
  });

  it('nested: named by the dotted path', async () => {
    expect(await post('/profile', { displayName: 'ok', nested: { note: 'n', extra: 1 } })).toEqual({ status: 400, body: invalid('nested.extra', 'body', 'nested.extra: unknown field') });
  });

  it('objects whose schema says nothing are closed too', async () => {
    expect(await post('/silent', { text: 't', foo: 1 })).toEqual({ status: 400, body: invalid('foo', 'body', 'foo: unknown field') });
    expect(await post('/silent', { text: 't', inner: { x: 1, y: 2 } })).toEqual({ status: 400, body: invalid('inner.y', 'body', 'inner.y: unknown field') });
    expect(await post('/union', { kind: 'k', foo: 1 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await post('/silent', { text: 't', inner: { x: 1 } })).toEqual({ status: 200, body: { body: { text: 't', inner: { x: 1 } } } });
  });

  it('objects that are open on purpose (a Record, additionalProperties: true) keep every field', async () => {
    received = [];
    const body = { displayName: 'ok', data: { anything: { goes: [1, 'two'] } }, extras: { known: 'k', provider: 'field' } };
    expect(await post('/profile', body)).toEqual({ status: 200, body: { ok: true } });
    expect(received).toEqual([body]);
  });

  it('the route schema itself is left as written (OpenAPI still shows it unchanged)', () => {
    const before = JSON.stringify(SilentBody);
    const closed = closeObjects(SilentBody) as { additionalProperties?: boolean; properties: { inner: { additionalProperties?: boolean } } };
    expect(closed.additionalProperties).toBe(false);
    expect(closed.properties.inner.additionalProperties).toBe(false);
    expect(JSON.stringify(SilentBody)).toBe(before);
    expect(closeObjects({ allOf: [{ type: 'object', properties: { a: {} } }] })).toEqual({ allOf: [{ type: 'object', properties: { a: {} } }] });
  });

  it('unknown query parameters are still ignored', async () => {
    const res = await app.inject({ url: '/search/abc?query=q&utm_source=x' });
    expect(res.statusCode).toBe(200);
  });
});

describe('findInputProblem', () => {
  it('leaves non-JSON values (streams, buffers, dates) alone and handles null-prototype objects', () => {
    expect(findInputProblem(Buffer.from([0]))).toBeUndefined();
    expect(findInputProblem(new Date())).toBeUndefined();
    const q = Object.assign(Object.create(null), { a: 'x\u0000' });
    expect(findInputProblem(q)).toEqual({ field: 'a', message: expect.stringMatching(/control characters/) });
    expect(findInputProblem(undefined)).toBeUndefined();
    expect(findInputProblem('\u0000')).toEqual({ field: '', message: expect.any(String) });
  });

  it('reports the first problem in document order', () => {
    expect(findInputProblem({ a: 'ok', b: ['x', 'y\u0001'], c: '\u0000' })?.field).toBe('b.1');
  });

  it('walks 1,000,000 levels without recursion', () => {
    let v: unknown = 'leaf';
    for (let i = 0; i < 1_000_000; i++) v = [v];
    expect(findInputProblem(v)).toEqual({ field: '', message: expect.stringMatching(/nested too deeply/) });
  });
});
