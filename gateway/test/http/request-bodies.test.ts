import { request, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, createLogger, createMetricsRegistry, type HttpApp } from '@herald/platform';
import { bearer, buildGateway, tokenFor } from '../support/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../support/upstreams.js';
import type { Gateway } from '../../src/gateway.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the server sent 100 Continue before its answer. */
  continued: boolean;
}

/**
 * A POST over a real connection, as curl or a proxy sends it. With `expect100`, the body is sent
 * only once the server says 100 Continue (and never, if it answers first).
 */
function post(base: string, path: string, opts: { headers?: Record<string, string>; chunks?: Buffer[]; expect100?: boolean }): Promise<Answer> {
  const chunks = opts.chunks ?? [];
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers: { ...(opts.expect100 ? { expect: '100-continue' } : {}), ...opts.headers } });
    let continued = false;
    const sendBody = () => {
      for (const chunk of chunks) req.write(chunk);
      req.end();
    };
    req.on('continue', () => {
      continued = true;
      sendBody();
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, continued });
        if (!continued && opts.expect100) req.destroy();
      });
    });
    req.on('error', reject);
    if (!opts.expect100) sendBody();
  });
}

const json = (answer: Answer) => JSON.parse(answer.body) as { error: { code: string; message: string } };
const LIMIT = 4096;

// Finding: `Expect: 100-continue` and chunked bodies over the limit answered 503 (the proxy client
// refuses an Expect header; a chunked body has no Content-Length to judge, and the upstream that
// cut it off read as "down"). Now: 100-continue works and is only granted to a request that passed
// every check; over the limit is 413 in the error shape, chunked or not; never 503.
describe('request bodies through the gateway', () => {
  let upstream: EchoUpstream;
  let gateway: Gateway;
  let base: string;
  const hits = () => upstream.hits.length;

  beforeAll(async () => {
    upstream = await startEchoUpstream('any-service');
    gateway = await buildGateway({ USER_SERVICE_URL: upstream.url, POST_SERVICE_URL: upstream.url, NOTIFICATION_SERVICE_URL: upstream.url, BODY_LIMIT_BYTES: String(LIMIT) });
    base = await gateway.start({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const json_ = { 'content-type': 'application/json' };

  it('answers Expect: 100-continue with 100 once the request passed its checks, and forwards the body without Expect', async () => {
    const body = Buffer.from('{"text":"héllo"}');
    const answer = await post(base, '/api/v1/posts', { expect100: true, headers: { ...bearer(tokenFor()), ...json_, 'content-length': String(body.length) }, chunks: [body] });
    expect(answer.continued).toBe(true);
    expect(answer.status).toBe(200);
    const hit = upstream.hits.at(-1)!;
    expect(hit.body).toBe(body.toString());
    expect(hit.headers.expect).toBeUndefined();
    expect(hit.headers['content-length']).toBe(String(body.length));
  });

  it('works for a chunked body under Expect: 100-continue too', async () => {
    const answer = await post(base, '/api/v1/posts', {
      expect100: true,
      headers: { ...bearer(tokenFor()), ...json_, 'transfer-encoding': 'chunked' },
      chunks: [Buffer.from('{"text":'), Buffer.from('"two chunks"}')],
    });
    expect(answer).toMatchObject({ continued: true, status: 200 });
    expect(upstream.hits.at(-1)!.body).toBe('{"text":"two chunks"}');
  });

  it.each([
    ['no token', () => ({ ...json_, 'content-length': '2' }), 401, 'missing_token'],
    ['a Content-Length over the limit', () => ({ ...bearer(tokenFor()), ...json_, 'content-length': String(LIMIT + 1) }), 413, 'payload_too_large'],
    ['an unknown route', () => ({ ...bearer(tokenFor()), ...json_, 'content-length': '2' }), 404, 'route_not_found'],
  ])('refuses an Expect: 100-continue request with %s before inviting its body (%s)', async (_what, headers, status, code) => {
    const before = hits();
    const path = code === 'route_not_found' ? '/api/v1/nowhere' : '/api/v1/posts';
    const answer = await post(base, path, { expect100: true, headers: headers(), chunks: [Buffer.from('{}')] });
    expect(answer.continued).toBe(false);
    expect(answer.status).toBe(status);
    expect(json(answer).error.code).toBe(code);
    // The client kept its body; the connection cannot be reused for the next request.
    expect(answer.headers.connection).toBe('close');
    expect(hits()).toBe(before);
  });

  it('refuses any other expectation with 417 in the error shape', async () => {
    const answer = await post(base, '/api/v1/posts', { headers: { ...bearer(tokenFor()), ...json_, expect: 'x-upload-slot', 'content-length': '2' }, chunks: [Buffer.from('{}')] });
    expect(answer.status).toBe(417);
    expect(json(answer).error.code).toBe('expectation_failed');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a chunked body that grows past the limit with 413 in the error shape, and forwards none of it', async () => {
    const before = hits();
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(1024, 'a'));
    const answer = await post(base, '/api/v1/posts', { headers: { ...bearer(tokenFor()), 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, chunks });
    expect(answer.status).toBe(413);
    expect(Object.keys(JSON.parse(answer.body))).toEqual(['error']);
    expect(json(answer).error.code).toBe('payload_too_large');
    expect(hits()).toBe(before);
  });

  it('refuses a Content-Length over the limit with 413 over a real connection as well', async () => {
    const body = Buffer.alloc(LIMIT + 1, 'a');
    const answer = await post(base, '/api/v1/posts', { headers: { ...bearer(tokenFor()), 'content-type': 'text/plain', 'content-length': String(body.length) }, chunks: [body] });
    expect(answer.status).toBe(413);
    expect(json(answer).error).toMatchObject({ code: 'payload_too_large', message: `request body is larger than ${LIMIT} bytes` });
  });

  it('forwards a chunked body within the limit byte for byte, with its exact Content-Length', async () => {
    // A provider receipt: its signature covers these exact bytes.
    const form = Buffer.from('MessageSid=SM1&Body=caf%C3%A9+%26+th%C3%A9&To=%2B14155550123');
    const answer = await post(base, '/api/v1/providers/sms/status', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
      chunks: [form.subarray(0, 10), form.subarray(10)],
    });
    expect(answer.status).toBe(200);
    const hit = upstream.hits.at(-1)!;
    expect(hit.body).toBe(form.toString());
    expect(hit.headers['content-length']).toBe(String(form.length));
    expect(hit.headers['transfer-encoding']).toBeUndefined();
    expect(hit.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('forwards a body exactly at the limit', async () => {
    const body = Buffer.alloc(LIMIT, 'b');
    const answer = await post(base, '/api/v1/posts', { headers: { ...bearer(tokenFor()), 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, chunks: [body] });
    expect(answer.status).toBe(200);
    expect(upstream.hits.at(-1)!.body.length).toBe(LIMIT);
  });
});

describe('a body the gateway accepts but the service refuses', () => {
  let service: HttpApp;
  let gateway: Gateway;
  let base: string;

  beforeAll(async () => {
    // A service as the real ones are built: createHttpApp, 64 KiB body limit, JSON parser.
    service = await createHttpApp({ service: 'post-service', logger: createLogger('post-service', 'silent'), registry: createMetricsRegistry('post-service') });
    service.post('/api/v1/posts', async () => ({ ok: true }));
    await service.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(service.server.address() as { port: number }).port}`;
    gateway = await buildGateway({ USER_SERVICE_URL: url, POST_SERVICE_URL: url, NOTIFICATION_SERVICE_URL: url, BODY_LIMIT_BYTES: String(1024 * 1024) });
    base = await gateway.start({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await gateway?.close();
    await service?.close();
  });

  // Before, the service answered 413 and closed the connection while the gateway was still streaming
  // the body to it; the gateway saw EPIPE and answered 503 (or, chunked, hung).
  it.each(['content-length', 'chunked'])('passes the service 413 on (%s), never 503, however often', async (framing) => {
    const body = Buffer.from(JSON.stringify({ text: 'x'.repeat(900 * 1024) }));
    const headers = { ...bearer(tokenFor()), 'content-type': 'application/json', ...(framing === 'chunked' ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) }) };
    const statuses = [];
    for (let i = 0; i < 15; i++) {
      const answer = await post(base, '/api/v1/posts', { headers, chunks: [body.subarray(0, 300_000), body.subarray(300_000)] });
      statuses.push(answer.status);
      expect(json(answer).error.code).toBe('payload_too_large');
    }
    expect(new Set(statuses)).toEqual(new Set([413]));
  });
});
