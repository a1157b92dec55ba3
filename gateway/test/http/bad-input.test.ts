import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkErrorReply, expectBadInput } from '@herald/platform/testing';
import { badTokens, bearer, buildGateway, tokenFor } from '../support/gateway.js';
import { deadUrl, startEchoUpstream, type EchoUpstream } from '../support/upstreams.js';
import type { Gateway } from '../../src/gateway.js';

interface Case {
  name: string;
  method?: 'GET' | 'POST' | 'DELETE';
  url?: string;
  headers?: () => Record<string, string>;
  payload?: string;
  status: number;
  code: string | RegExp;
}

const good = () => bearer(tokenFor());

// The gateway's own surface: every case is refused with its exact status and the error shape,
// and none of them reaches an upstream.
const cases: Case[] = [
  { name: 'no Authorization header', status: 401, code: 'missing_token' },
  { name: 'empty Authorization header', headers: () => ({ authorization: '' }), status: 401, code: 'missing_token' },
  { name: 'Basic credentials', headers: () => ({ authorization: 'Basic YW5hOnNlY3JldA==' }), status: 401, code: 'invalid_token' },
  { name: 'Bearer without a token', headers: () => ({ authorization: 'Bearer' }), status: 401, code: 'invalid_token' },
  { name: 'token without the Bearer scheme', headers: () => ({ authorization: tokenFor() }), status: 401, code: 'invalid_token' },
  { name: 'two tokens in one header', headers: () => ({ authorization: `Bearer ${tokenFor()} ${tokenFor()}` }), status: 401, code: 'invalid_token' },
  { name: 'not a JWT', headers: () => bearer('not-a-jwt'), status: 401, code: 'invalid_token' },
  { name: 'SQL in the token', headers: () => bearer("' OR 1=1 --"), status: 401, code: 'invalid_token' },
  { name: 'JSON in the token', headers: () => bearer('{"sub":"admin"}'), status: 401, code: 'invalid_token' },
  { name: 'unicode in the token', headers: () => bearer('ñandú.日本.🙂'), status: 401, code: 'invalid_token' },
  { name: 'a 20 KB token', headers: () => bearer(`${'a'.repeat(20_000)}.b.c`), status: 401, code: 'invalid_token' },
  { name: 'expired token', headers: () => bearer(badTokens.expired()), status: 401, code: 'token_expired' },
  { name: 'token signed with another key', headers: () => bearer(badTokens.otherKey()), status: 401, code: 'invalid_token' },
  { name: 'HS256 token keyed with the public key', headers: () => bearer(badTokens.hmacWithPublicKey()), status: 401, code: 'invalid_token' },
  { name: 'unsigned (alg none) token', headers: () => bearer(badTokens.unsigned()), status: 401, code: 'invalid_token' },
  { name: 'tampered claims', headers: () => bearer(badTokens.tampered()), status: 401, code: 'invalid_token' },
  { name: 'token for another audience', headers: () => bearer(badTokens.wrongAudience()), status: 401, code: 'invalid_token' },
  { name: 'GET on the login route needs a token', url: '/api/v1/auth/login', status: 401, code: 'missing_token' },
  { name: 'unknown API path', url: '/api/v1/unknown', headers: good, status: 404, code: 'route_not_found' },
  { name: 'unknown API version', url: '/api/v2/posts', headers: good, status: 404, code: 'route_not_found' },
  { name: 'bare /api', url: '/api', status: 404, code: 'route_not_found' },
  { name: 'unknown method on the API', method: 'DELETE', url: '/api/v1', headers: good, status: 404, code: 'route_not_found' },
  { name: 'malformed percent-encoding', url: '/api/v1/posts/%E0%A4%A', headers: good, status: 400, code: 'bad_url' },
  { name: 'dot segments behind encoded slashes', url: '/api/v1/posts/..%2f..%2fadmin', headers: good, status: 400, code: 'invalid_path' },
  { name: 'dot segments behind encoded backslashes', url: '/api/v1/posts/..%5c..%5cadmin', headers: good, status: 400, code: 'invalid_path' },
  { name: 'NUL byte in the path', url: '/api/v1/users/%00', headers: good, status: 400, code: 'invalid_path' },
  {
    name: 'body over the gateway limit',
    method: 'POST',
    url: '/api/v1/posts',
    headers: () => ({ ...good(), 'content-type': 'application/json' }),
    payload: JSON.stringify({ text: 'x'.repeat(5_000) }),
    status: 413,
    code: 'payload_too_large',
  },
  { name: 'plain GET on /ws', url: '/ws', status: 426, code: 'upgrade_required' },
];

describe('bad input at the gateway', () => {
  let upstream: EchoUpstream;
  let gateway: Gateway;

  beforeAll(async () => {
    upstream = await startEchoUpstream('any-service');
    gateway = await buildGateway({ USER_SERVICE_URL: upstream.url, POST_SERVICE_URL: upstream.url, NOTIFICATION_SERVICE_URL: upstream.url, BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it.each(cases)('$name → $status', async (c) => {
    const res = await expectBadInput(gateway.app, { ...c, url: c.url ?? '/api/v1/users/me', raw: c.payload, payload: undefined });
    expect(res.headers?.['x-request-id']).toBeDefined();
  });

  it('let none of them through to an upstream, and still serves a good request', async () => {
    expect(upstream.hits).toEqual([]);
    const res = await gateway.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: good() });
    expect(res.statusCode).toBe(200);
    expect(upstream.hits).toHaveLength(1);
  });
});

/** A raw HTTP response as the bad-input runner judges it. */
function replyOf(response: string): { status: number; body: string } {
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(response)?.[1] ?? 0), body: response.split('\r\n\r\n')[1] ?? '' };
}

/** Raw bytes over a real socket: what node's own HTTP parser sees before fastify does. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('close', () => resolve(data));
    socket.on('error', (err) => (data ? resolve(data) : reject(err)));
    socket.write(request);
  });
}

describe('bad input on a real socket', () => {
  let gateway: Gateway;
  let port: number;

  beforeAll(async () => {
    gateway = await buildGateway({ POST_SERVICE_URL: await deadUrl(), READY_CHECKS_UPSTREAMS: 'false' });
    await gateway.start({ port: 0, host: '127.0.0.1' });
    port = (gateway.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('answers headers over 16 KB with 431 in the error shape', async () => {
    const response = await rawRequest(port, `GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1.1 431 /);
    expect(JSON.parse(response.split('\r\n\r\n')[1]!)).toEqual({ error: { code: 'headers_too_large', message: 'request headers are too large' } });
  });

  it('refuses encoded dot segments (which inject() would normalise away) with 400', async () => {
    const response = await rawRequest(port, `GET /api/v1/posts/%2e%2e/%2e%2e/admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${tokenFor()}\r\n\r\n`);
    checkErrorReply(replyOf(response), { name: 'encoded dot segments', status: 400, code: 'invalid_path' });
  });

  it('refuses them on the open routes outside /api/v1 too (tracking links need no token)', async () => {
    const response = await rawRequest(port, 'GET /t/c/%2e%2e/%2e%2e/api/v1/admin/dead-letters HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    checkErrorReply(replyOf(response), { name: 'encoded dot segments on /t/c', status: 400, code: 'invalid_path' });
  });

  it('answers a request that is not HTTP with 400 in the error shape', async () => {
    const response = await rawRequest(port, 'HELLO THERE\r\n\r\n');
    checkErrorReply(replyOf(response), { name: 'not HTTP', status: 400, code: 'bad_request' });
  });

  it('answers a POST to a down upstream with 503, not a reset connection', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/posts`, {
      method: 'POST',
      headers: { ...good(), 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({ code: 'service_unavailable', details: { service: 'post-service' } });
  });

  it('still answers afterwards', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
