import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, bearer, metricsOf, tokenFor } from '../support/gateway.js';
import { deadUrl, startEchoUpstream, type EchoUpstream } from '../support/upstreams.js';
import type { Gateway } from '../../src/gateway.js';
import { CSP } from '../../src/plugins/security-headers.js';

const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
// What the dev outbox page is made of: inline styles and a sandboxed frame with the email in srcdoc.
const OUTBOX_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Herald dev outbox</title><style>body{font-family:system-ui}</style></head>' +
  '<body><h1>Dev outbox</h1><article class="msg"><iframe title="Hi" sandbox="" srcdoc="&lt;p style=&quot;color:red&quot;&gt;hi&lt;/p&gt;" style="width:100%"></iframe></article></body></html>';
const SMS_FORM = 'AccountSid=AC1&MessageSid=SM0123&MessageStatus=delivered&To=%2B14155550123&Body=caf%C3%A9+%26+th%C3%A9&ErrorCode=';

/** notification-service's channel routes, as far as the gateway can tell: the rest is the echo. */
async function startNotificationStub(): Promise<EchoUpstream> {
  return startEchoUpstream('notification-service', {
    routes: (app, record) => {
      app.get('/t/c/:token', async (req, reply) => {
        record(req);
        const token = (req.params as { token: string }).token;
        return reply.redirect(token === 'relative' ? '/#/p/42' : 'https://example.com/landing?utm_source=herald', 302);
      });
      app.get('/t/o/:token', async (req, reply) => {
        record(req);
        return reply.header('cache-control', 'no-store').type('image/gif').send(PIXEL);
      });
      app.get('/dev/outbox', async (req, reply) => {
        record(req);
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(OUTBOX_HTML);
      });
      app.get('/t/*', async (req, reply) => {
        record(req);
        return reply.code(404).send({ error: { code: 'not_found', message: 'no such link' } });
      });
      app.get('/dev/outbox.json', async (req, reply) => {
        record(req);
        return reply.header('content-security-policy', "default-src 'none'").send({ items: [] });
      });
    },
  });
}

describe('notification-service channel routes through the gateway', () => {
  let users: EchoUpstream;
  let notifications: EchoUpstream;
  let gateway: Gateway;
  let webDir: string;
  const apiKey = { 'x-api-key': 'hk_operator' };

  beforeAll(async () => {
    // web-demo with an index.html and a file where a tracking link points: neither may answer for the service.
    webDir = mkdtempSync(path.join(tmpdir(), 'herald-web-'));
    writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>Herald</title>');
    mkdirSync(path.join(webDir, 't', 'c'), { recursive: true });
    writeFileSync(path.join(webDir, 't', 'c', 'shadow'), 'static file');
    [users, notifications] = await Promise.all([startEchoUpstream('user-service'), startNotificationStub()]);
    gateway = await buildGateway({ USER_SERVICE_URL: users.url, POST_SERVICE_URL: users.url, NOTIFICATION_SERVICE_URL: notifications.url, WEB_DEMO_DIR: webDir });
  });
  afterAll(async () => {
    try {
      await gateway?.close();
      await Promise.all([users?.close(), notifications?.close()]);
    } finally {
      if (webDir) rmSync(webDir, { recursive: true, force: true });
    }
  });

  const hitsOf = () => notifications.hits.length;

  describe('admin routes', () => {
    it.each([
      ['GET', '/api/v1/admin/dead-letters?channel=email&limit=5'],
      ['POST', '/api/v1/admin/dead-letters/0190c2a4-7b1e-7000-8000-000000000001/replay'],
    ])('%s %s goes upstream with the X-API-Key and no token', async (method, url) => {
      const res = await gateway.app.inject({ method: method as 'GET', url, headers: apiKey });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ service: 'notification-service', method, url });
      const hit = notifications.hits.at(-1)!;
      expect(hit.headers['x-api-key']).toBe('hk_operator');
      expect(hit.headers.authorization).toBeUndefined();
    });

    it('refuses an API key sent from a browser page (it has an Origin), and never offers X-API-Key to CORS preflights', async () => {
      const before = hitsOf();
      const fromPage = await gateway.app.inject({ method: 'POST', url: '/api/v1/notifications', headers: { ...apiKey, origin: 'https://shop.example', 'content-type': 'application/json' }, payload: {} });
      expect(fromPage.statusCode).toBe(403);
      expect(fromPage.json().error.code).toBe('api_key_from_browser');
      expect(hitsOf()).toBe(before);
      const preflight = await gateway.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/notifications',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,content-type' },
      });
      expect(String(preflight.headers['access-control-allow-headers'] ?? '').toLowerCase()).not.toContain('x-api-key');
      expect(String(preflight.headers['access-control-allow-headers'] ?? '').toLowerCase()).toContain('authorization');
    });

    it('refuses an admin route with neither key nor token at the gateway', async () => {
      const before = hitsOf();
      for (const [method, url] of [['GET', '/api/v1/admin/dead-letters'], ['POST', '/api/v1/admin/dead-letters/x/replay']] as const) {
        const res = await gateway.app.inject({ method, url });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('missing_token');
      }
      expect(hitsOf()).toBe(before);
    });

    it('checks a bearer token when there is one, key or not (the key is only the no-token way in)', async () => {
      const before = hitsOf();
      const refused = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/dead-letters', headers: { ...apiKey, ...bearer('a.b.c') } });
      expect(refused.statusCode).toBe(401);
      expect(hitsOf()).toBe(before);
      // A person's valid token is let through; notification-service then asks for the admin key itself.
      const token = tokenFor();
      const passed = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/dead-letters', headers: bearer(token) });
      expect(passed.statusCode).toBe(200);
      expect(notifications.hits.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
    });
  });

  describe('webhooks', () => {
    it('registering, listing and deleting webhooks take an API key; anything else under it needs a token', async () => {
      const created = await gateway.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: { ...apiKey, 'content-type': 'application/json' }, payload: '{"url":"https://example.com/hook"}' });
      expect(created.statusCode).toBe(200);
      expect(created.json()).toMatchObject({ service: 'notification-service', url: '/api/v1/webhooks', body: '{"url":"https://example.com/hook"}' });
      expect((await gateway.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: apiKey })).json()).toMatchObject({ service: 'notification-service', url: '/api/v1/webhooks' });
      expect((await gateway.app.inject({ method: 'DELETE', url: '/api/v1/webhooks/w1', headers: apiKey })).json()).toMatchObject({ service: 'notification-service', url: '/api/v1/webhooks/w1' });
      const before = hitsOf();
      expect((await gateway.app.inject({ method: 'GET', url: '/api/v1/webhooks/w1', headers: apiKey })).statusCode).toBe(401);
      expect(hitsOf()).toBe(before);
      const listed = await gateway.app.inject({ method: 'GET', url: '/api/v1/webhooks/w1', headers: bearer(tokenFor()) });
      expect(listed.json()).toMatchObject({ service: 'notification-service', url: '/api/v1/webhooks/w1' });
    });
  });

  describe('the SMS status callback', () => {
    it('is proxied without a token, its form body and signature untouched', async () => {
      const url = '/api/v1/providers/sms/status?attempt=1';
      const res = await gateway.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'c2lnbmF0dXJlPQ==', 'user-agent': 'TwilioProxy/1.1' },
        payload: SMS_FORM,
      });
      expect(res.statusCode).toBe(200);
      const hit = notifications.hits.at(-1)!;
      expect(hit).toMatchObject({ method: 'POST', url, body: SMS_FORM });
      expect(hit.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(hit.headers['content-length']).toBe(String(Buffer.byteLength(SMS_FORM)));
      expect(hit.headers['x-twilio-signature']).toBe('c2lnbmF0dXJlPQ==');
      expect(hit.headers.authorization).toBeUndefined();
    });

    it('is the only provider route without a token', async () => {
      const before = hitsOf();
      for (const [method, url] of [['GET', '/api/v1/providers/sms/status'], ['POST', '/api/v1/providers/email/events'], ['POST', '/api/v1/providers/sms/status/x']] as const) {
        const res = await gateway.app.inject({ method, url, payload: method === 'POST' ? 'a=b' : undefined, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect(res.statusCode).toBe(401);
      }
      expect(hitsOf()).toBe(before);
    });
  });

  describe('tracking links and the dev outbox (outside /api/v1, no token)', () => {
    it('passes a click redirect through as the service gave it', async () => {
      const res = await gateway.app.inject({ method: 'GET', url: '/t/c/eyJuIjoiMSJ9.c2ln?x=%20y', headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('https://example.com/landing?utm_source=herald');
      const hit = notifications.hits.at(-1)!;
      expect(hit.url).toBe('/t/c/eyJuIjoiMSJ9.c2ln?x=%20y');
      expect(hit.headers.authorization).toBeUndefined();
      expect(hit.headers['x-forwarded-for']).toBeDefined();
      const relative = await gateway.app.inject({ method: 'GET', url: '/t/c/relative' });
      expect(relative.headers.location).toBe('/#/p/42');
    });

    it('serves the open pixel byte for byte', async () => {
      const res = await gateway.app.inject({ method: 'GET', url: '/t/o/abc.def' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/gif');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.rawPayload.equals(PIXEL)).toBe(true);
    });

    it('is not shadowed by web-demo files or its index.html fallback', async () => {
      const res = await gateway.app.inject({ method: 'GET', url: '/t/c/shadow', headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(302);
      expect(notifications.hits.at(-1)!.url).toBe('/t/c/shadow');
    });

    it('serves the dev outbox page with the service headers and a policy that lets its inline styles render', async () => {
      const page = await gateway.app.inject({ method: 'GET', url: '/dev/outbox', headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toBe(OUTBOX_HTML);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-store');
      // The page needs its inline styles and sandboxed srcdoc previews, and runs no script: the
      // gateway's dev-page policy allows exactly that (test/browser/security-headers.test.ts renders it).
      expect(page.headers['content-security-policy']).toBe(CSP.DEV_PAGE);
      expect(page.headers['content-security-policy']).toContain("style-src 'unsafe-inline'");
      expect(page.headers['content-security-policy']).not.toContain('script-src');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['cross-origin-embedder-policy']).toBeUndefined();
      const json = await gateway.app.inject({ method: 'GET', url: '/dev/outbox.json' });
      expect(json.json()).toEqual({ items: [] });
      // A policy the service sets is passed on unchanged.
      expect(json.headers['content-security-policy']).toBe("default-src 'none'");
      expect(notifications.hits.at(-1)!.url).toBe('/dev/outbox.json');
    });

    it('passes the service 404 on rather than web-demo index.html', async () => {
      const res = await gateway.app.inject({ method: 'GET', url: '/t/x/unknown', headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('<title>Herald</title>');
      expect(notifications.hits.at(-1)!.url).toBe('/t/x/unknown');
    });

    it('refuses dot segments, and anything but GET, before the service sees it', async () => {
      const before = hitsOf();
      const dots = await gateway.app.inject({ method: 'GET', url: '/t/c/..%2f..%2fapi%2fv1%2fadmin%2fdead-letters' });
      expect(dots.statusCode).toBe(400);
      expect(dots.json().error.code).toBe('invalid_path');
      const post = await gateway.app.inject({ method: 'POST', url: '/t/c/abc', payload: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(post.statusCode).toBe(404);
      expect((await gateway.app.inject({ method: 'GET', url: '/dev/outbox/extra', headers: { accept: 'application/json' } })).statusCode).toBe(404);
      expect(hitsOf()).toBe(before);
    });

    it('counts them per upstream in its metrics', async () => {
      const text = await metricsOf(gateway);
      expect(text).toMatch(/gateway_upstream_request_duration_seconds_count\{[^}]*upstream="notification-service"[^}]*status_code="302"/);
    });
  });
});

describe('channel routes when notification-service is down', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await buildGateway({ NOTIFICATION_SERVICE_URL: await deadUrl() });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('answers 503 naming the service, for tracking links and provider callbacks alike', async () => {
    for (const [method, url] of [['GET', '/t/c/abc'], ['GET', '/dev/outbox'], ['POST', '/api/v1/providers/sms/status']] as const) {
      const res = await gateway.app.inject({ method, url, payload: method === 'POST' ? SMS_FORM : undefined, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'service_unavailable', details: { service: 'notification-service' } });
    }
  });
});

describe('rate limits on the channel routes', () => {
  let upstream: EchoUpstream;
  let gateway: Gateway;

  beforeAll(async () => {
    upstream = await startEchoUpstream('any');
    gateway = await buildGateway({
      USER_SERVICE_URL: upstream.url,
      NOTIFICATION_SERVICE_URL: upstream.url,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_IP_PER_MINUTE: '20',
      RATE_LIMIT_AUTH_PER_MINUTE: '2',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('holds SMS receipts to the general per-IP budget, not the sign-in one', async () => {
    const ip = '192.0.2.44';
    const receipt = () =>
      gateway.app.inject({ method: 'POST', url: '/api/v1/providers/sms/status', payload: SMS_FORM, headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: ip });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await receipt()).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    // Sign-in from the same address still has (and is held to) its own budget.
    const login = () => gateway.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'ana', password: 'x' }, remoteAddress: ip });
    expect([(await login()).statusCode, (await login()).statusCode, (await login()).statusCode]).toEqual([200, 200, 429]);
  });
});
