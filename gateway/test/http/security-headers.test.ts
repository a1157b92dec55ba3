import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildGateway, tokenFor } from '../support/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../support/upstreams.js';
import type { Gateway } from '../../src/gateway.js';
import { CSP } from '../../src/plugins/security-headers.js';

/** Parses a CSP header into directive → source list. */
function directives(header: string | undefined): Record<string, string[]> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** What every answer of the gateway carries, whatever produced it. */
function expectBaseline(res: LightMyRequestResponse) {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  const csp = directives(res.headers['content-security-policy'] as string);
  expect(csp['frame-ancestors']).toEqual(["'none'"]);
  expect(csp['object-src'] ?? csp['default-src']).toEqual(["'none'"]);
  // Nothing may ever run inline or be eval'd, on any page.
  for (const sources of Object.values(csp)) {
    expect(sources).not.toContain("'unsafe-eval'");
    if (sources !== csp['style-src']) expect(sources).not.toContain("'unsafe-inline'");
  }
}

// Finding: the gateway sent no security headers at all. Every answer, the gateway's own and proxied,
// errors included, now carries nosniff, DENY framing, no-referrer and a CSP fit for what it is; the
// browser side (no violation while web-demo, /docs and the dev outbox run) is test/browser/security-headers.test.ts.
describe('security headers at the gateway', () => {
  let upstream: EchoUpstream;
  let gateway: Gateway;
  let webDir: string;

  beforeAll(async () => {
    webDir = mkdtempSync(path.join(tmpdir(), 'herald-web-'));
    writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>Herald</title><script type="module" src="./app.js"></script>');
    writeFileSync(path.join(webDir, 'app.js'), 'console.log("herald")');
    upstream = await startEchoUpstream('any-service', {
      routes: (app) => {
        app.get('/api/v1/posts/cacheable', async (_req, reply) => reply.header('cache-control', 'public, max-age=600').send({ ok: true }));
        app.get('/dev/outbox', async (_req, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><style>h1{color:red}</style><h1>Dev outbox</h1>'));
        app.get('/dev/outbox.json', async (_req, reply) => reply.header('content-security-policy', "default-src 'none'; sandbox").send({ items: [] }));
        app.get('/t/o/:token', async (_req, reply) => reply.type('image/gif').send(Buffer.from('GIF89a')));
      },
    });
    gateway = await buildGateway({
      USER_SERVICE_URL: upstream.url,
      POST_SERVICE_URL: upstream.url,
      NOTIFICATION_SERVICE_URL: upstream.url,
      WEB_DEMO_DIR: webDir,
      READY_CHECKS_UPSTREAMS: 'false',
    });
  });
  afterAll(async () => {
    try {
      await gateway?.close();
      await upstream?.close();
    } finally {
      if (webDir) rmSync(webDir, { recursive: true, force: true });
    }
  });

  const get = (url: string, headers: Record<string, string> = {}) => gateway.app.inject({ method: 'GET', url, headers });

  it('gives web-demo pages a same-origin-only policy: no inline script, no eval, no framing', async () => {
    const res = await get('/', { accept: 'text/html' });
    expect(res.statusCode).toBe(200);
    expectBaseline(res);
    expect(res.headers['content-security-policy']).toBe(CSP.PAGE);
    const csp = directives(CSP.PAGE);
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toBeUndefined(); // falls back to default-src 'self': files from this origin only
    expect(csp['base-uri']).toEqual(["'none'"]);
    // Static files are not personal: they stay cacheable as @fastify/static says.
    expect(res.headers['cache-control']).not.toBe('no-store');
    // The index.html fallback of a client-side route is the same page, with the same policy.
    const fallback = await get('/inbox/42', { accept: 'text/html' });
    expect(fallback.headers['content-security-policy']).toBe(CSP.PAGE);
  });

  it('keeps the page policy on a 304 (no Content-Type), which the browser applies to its cached page', async () => {
    const first = await get('/', { accept: 'text/html' });
    const etag = first.headers.etag as string;
    expect(etag).toBeDefined();
    const again = await get('/', { accept: 'text/html', 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.headers['content-security-policy']).toBe(CSP.PAGE);
    expectBaseline(again);
  });

  it('gives the Swagger UI at /docs the page policy plus inline styles (test/browser checks it renders under it)', async () => {
    const ui = await get('/docs/', { accept: 'text/html' });
    expect(ui.statusCode).toBe(200);
    expectBaseline(ui);
    expect(ui.headers['content-security-policy']).toBe(CSP.DOCS);
    const csp = directives(CSP.DOCS);
    // Its bundle injects <style> elements; its scripts are files under /docs/static, none inline.
    expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp['script-src']).toBeUndefined();
    expect(ui.body).not.toMatch(/<script>(?!\s*<\/script>)/);
    const json = await get('/docs/json');
    expectBaseline(json);
    expect(json.headers['content-security-policy']).toBe(CSP.NONE);
  });

  it('gives proxied API answers the nothing-loads policy and no-store, whatever the service said about caching', async () => {
    const res = await get('/api/v1/posts/cacheable', bearer(tokenFor()));
    expect(res.statusCode).toBe(200);
    expectBaseline(res);
    expect(res.headers['content-security-policy']).toBe(CSP.NONE);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['a bearer token', { authorization: `Bearer ${tokenFor()}` }, '/api/v1/users/me'],
    ['an API key', { 'x-api-key': 'hk_backend' }, '/api/v1/notifications/status?id=1'],
    ['no credentials (register)', {}, '/api/v1/auth/register'],
  ])('marks every /api/ answer to a request with %s no-store', async (_what, headers, url) => {
    const method = url.endsWith('register') ? 'POST' : 'GET';
    const res = await gateway.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: method === 'POST' ? '{}' : undefined });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expectBaseline(res);
  });

  it('puts the same headers on refusals: 401, 404, 413, 426', async () => {
    const refusals = [
      await get('/api/v1/users/me'),
      await get('/api/v1/nope', bearer(tokenFor())),
      await gateway.app.inject({ method: 'POST', url: '/api/v1/posts', headers: { ...bearer(tokenFor()), 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) }, payload: '{}' }),
      await get('/ws'),
      await get('/nothing-here', { accept: 'application/json' }),
    ];
    expect(refusals.map((r) => r.statusCode)).toEqual([401, 404, 413, 426, 404]);
    for (const res of refusals) {
      expectBaseline(res);
      expect(res.headers['content-security-policy']).toBe(CSP.NONE);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.json())).toEqual(['error']);
    }
  });

  it('covers, over real HTTP, the answers fastify writes without hooks (a URL it cannot decode)', async () => {
    const address = await gateway.start({ port: 0, host: '127.0.0.1' });
    // The 400 repeats the path in its message: it must not be sniffed as HTML, framed or cached.
    const bad = await fetch(`${address}/api/v1/posts/%E0%A4%A%3Cscript%3E`, { headers: bearer(tokenFor()) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('bad_url');
    expect(bad.headers.get('x-content-type-options')).toBe('nosniff');
    expect(bad.headers.get('x-frame-options')).toBe('DENY');
    expect(bad.headers.get('referrer-policy')).toBe('no-referrer');
    expect(bad.headers.get('content-security-policy')).toBe(CSP.NONE);
    expect(bad.headers.get('cache-control')).toBe('no-store');
    // That fallback does not leak into answers the hooks decide: a page keeps its policy and caching.
    const page = await fetch(`${address}/`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-security-policy')).toBe(CSP.PAGE);
    expect(page.headers.get('cache-control')).not.toBe('no-store');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('marks the gateway’s own JSON (health, readiness) no-store too', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const res = await get(url);
      expectBaseline(res);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('gives the dev outbox (service HTML with inline styles) a policy with inline styles but no script', async () => {
    const res = await get('/dev/outbox', { accept: 'text/html' });
    expect(res.statusCode).toBe(200);
    expectBaseline(res);
    expect(res.headers['content-security-policy']).toBe(CSP.DEV_PAGE);
    const csp = directives(CSP.DEV_PAGE);
    expect(csp['default-src']).toEqual(["'none'"]);
    expect(csp['style-src']).toEqual(["'unsafe-inline'"]);
    expect(csp['script-src']).toBeUndefined();
  });

  it('keeps a policy the service set itself, and adds the rest', async () => {
    const res = await get('/dev/outbox.json');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('does not make the tracking pixel uncacheable by itself, but never lets it be sniffed', async () => {
    const res = await get('/t/o/abc.def');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe(CSP.NONE);
  });
});
