import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, bearer, metricsOf, tokenFor } from '../support/gateway.js';
import { deadUrl, startEchoUpstream, type EchoUpstream } from '../support/upstreams.js';
import type { Gateway } from '../../src/gateway.js';

// Three real HTTP upstreams on loopback and a gateway in front; requests go in through inject(),
// out through the gateway's real proxy client.
describe('proxying /api/v1/* to the owning service', () => {
  let users: EchoUpstream;
  let posts: EchoUpstream;
  let notifications: EchoUpstream;
  let gateway: Gateway;
  const token = tokenFor();

  beforeAll(async () => {
    [users, posts, notifications] = await Promise.all([
      startEchoUpstream('user-service'),
      startEchoUpstream('post-service', { slowMs: 1_500 }),
      startEchoUpstream('notification-service'),
    ]);
    gateway = await buildGateway({
      USER_SERVICE_URL: users.url,
      POST_SERVICE_URL: posts.url,
      NOTIFICATION_SERVICE_URL: notifications.url,
      UPSTREAM_TIMEOUT_MS: '300',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([users, posts, notifications].map((u) => u?.close()));
  });

  it.each([
    ['GET', '/api/v1/users/me', 'user-service'],
    ['GET', '/api/v1/users?query=an%20a&limit=5&limit=6&flag', 'user-service'],
    ['GET', '/api/v1/users/0190c2a4/posts?cursor=abc%2Bdef', 'post-service'],
    ['PUT', '/api/v1/users/me/preferences', 'notification-service'],
    ['POST', '/api/v1/users/preferences', 'notification-service'],
    ['DELETE', '/api/v1/posts/p1/likes', 'post-service'],
    ['POST', '/api/v1/messages', 'post-service'],
    ['GET', '/api/v1/notifications/status?id=a&id=b', 'notification-service'],
    ['GET', '/api/v1/users/%C3%A9l%C3%A8ve', 'user-service'],
  ])('%s %s reaches %s with path and query unchanged', async (method, url, service) => {
    const res = await gateway.app.inject({ method: method as 'GET', url, headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ service, method, url });
    expect(res.headers['x-upstream']).toBe(service);
  });

  it('forwards the body and the Authorization header unchanged', async () => {
    const body = '{"text":"héllo @bo","n":1}';
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { ...bearer(token), 'content-type': 'application/json; charset=utf-8' },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    const hit = posts.hits.at(-1)!;
    expect(hit.body).toBe(body);
    expect(hit.headers.authorization).toBe(`Bearer ${token}`);
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('lets register and login through without a token', async () => {
    for (const url of ['/api/v1/auth/register', '/api/v1/auth/login']) {
      const res = await gateway.app.inject({ method: 'POST', url, payload: { login: 'ana', password: 'x' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ service: 'user-service', url });
    }
  });

  it('refuses a request without a valid token with 401 before any upstream sees it', async () => {
    const before = users.hits.length + posts.hits.length + notifications.hits.length;
    const cases = [
      await gateway.app.inject({ method: 'GET', url: '/api/v1/users/me' }),
      await gateway.app.inject({ method: 'POST', url: '/api/v1/posts', payload: { text: 'x' } }),
      await gateway.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: bearer('a.b.c') }),
      await gateway.app.inject({ method: 'GET', url: '/api/v1/auth/login' }),
    ];
    for (const res of cases) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({ code: expect.stringMatching(/^(missing_token|invalid_token)$/), message: expect.any(String) });
    }
    expect(users.hits.length + posts.hits.length + notifications.hits.length).toBe(before);
  });

  it('passes the incoming request id to the upstream and returns it', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { ...bearer(token), 'x-request-id': 'trace-abc.123' } });
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    expect(users.hits.at(-1)!.headers['x-request-id']).toBe('trace-abc.123');
  });

  it('makes a request id when there is none (or a bad one) and uses the same one both ways', async () => {
    for (const headers of [bearer(token), { ...bearer(token), 'x-request-id': 'bad id with spaces' }]) {
      const res = await gateway.app.inject({ method: 'GET', url: '/api/v1/notifications', headers });
      const id = res.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(notifications.hits.at(-1)!.headers['x-request-id']).toBe(id);
    }
  });

  it('tells the upstream who the client is', async () => {
    await gateway.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { ...bearer(token), 'x-forwarded-for': '6.6.6.6' }, remoteAddress: '10.1.2.3' });
    // TRUST_PROXY is off: the client's own X-Forwarded-For is replaced, not believed.
    expect(users.hits.at(-1)!.headers['x-forwarded-for']).toBe('10.1.2.3');
  });

  it('passes an upstream error response through as the upstream gave it, without retrying', async () => {
    const before = notifications.hits.length;
    const res = await gateway.app.inject({ method: 'GET', url: '/api/v1/notifications/status/503', headers: bearer(token) });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: 'dependency_unavailable', message: 'db down' } });
    expect(notifications.hits.length).toBe(before + 1);
  });

  it('answers 504 when the upstream is too slow, instead of hanging', async () => {
    const started = Date.now();
    const res = await gateway.app.inject({ method: 'GET', url: '/api/v1/posts/slow', headers: bearer(token) });
    expect(res.statusCode).toBe(504);
    expect(res.json().error).toMatchObject({ code: 'upstream_timeout', details: { service: 'post-service' } });
    expect(Date.now() - started).toBeLessThan(1_400);
  });

  it('answers 404 in the error shape for an /api path no service owns, without asking for a token', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'route_not_found', message: 'no route GET /api/v1/nothing-here' } });
  });

  it('answers a CORS preflight before any token check', async () => {
    const res = await gateway.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/posts',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toContain('PATCH');
  });

  it('is ready while every upstream answers /healthz', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
  });
});

describe('an upstream that is down', () => {
  let users: EchoUpstream;
  let gateway: Gateway;

  beforeAll(async () => {
    users = await startEchoUpstream('user-service');
    gateway = await buildGateway({ USER_SERVICE_URL: users.url, POST_SERVICE_URL: await deadUrl(), NOTIFICATION_SERVICE_URL: await deadUrl() });
  });
  afterAll(async () => {
    await gateway?.close();
    await users?.close();
  });

  it('gives 503 naming the service, at once', async () => {
    const res = await gateway.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(tokenFor()), payload: { text: 'x' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error: { code: 'service_unavailable', message: 'post-service is unavailable; try again shortly', details: { service: 'post-service' } },
    });
  });

  it('keeps serving the routes of the upstreams that are up', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(tokenFor()) });
    expect(res.statusCode).toBe(200);
  });

  it('is not ready, and /readyz names each upstream that does not answer', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.error.code).toBe('dependency_unavailable');
    expect(body.error.message).toContain('post-service');
    expect(body.error.message).toContain('notification-service');
    expect(body.error.message).not.toContain('user-service');
    expect(body.error.details.failing['post-service']).toBe('ECONNREFUSED');
  });

  it('counts proxied requests per service in its metrics', async () => {
    const text = await metricsOf(gateway);
    expect(text).toMatch(/gateway_upstream_request_duration_seconds_count\{[^}]*upstream="post-service"[^}]*status_code="503"/);
    expect(text).toMatch(/gateway_upstream_request_duration_seconds_count\{[^}]*upstream="user-service"[^}]*status_code="200"/);
  });
});
