import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, createLogger, createMetricsRegistry, type HttpApp } from '@herald/platform';
import { buildGateway } from '../support/gateway.js';
import { deadUrl } from '../support/upstreams.js';
import type { Gateway } from '../../src/gateway.js';

const User = Type.Object({ id: Type.String(), username: Type.String() }, { $id: 'User' });

/** A service as the real ones are built: createHttpApp + TypeBox route schemas → /openapi.json. */
async function startDocumentedService(title: string, routes: (app: HttpApp) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const app = await createHttpApp({ service: title, logger: createLogger(title, 'silent'), registry: createMetricsRegistry(title), openapi: { title } });
  routes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

describe('/docs: one OpenAPI document merged from the services', () => {
  let users: Awaited<ReturnType<typeof startDocumentedService>>;
  let posts: Awaited<ReturnType<typeof startDocumentedService>>;
  let gateway: Gateway;

  beforeAll(async () => {
    users = await startDocumentedService('user-service', (app) => {
      app.addSchema(User);
      app.post(
        '/api/v1/auth/register',
        { schema: { tags: ['auth'], body: Type.Object({ username: Type.String({ minLength: 3 }), password: Type.String() }), response: { 201: Type.Ref('User') } } },
        async () => ({}),
      );
      app.get('/api/v1/users/:id', { schema: { tags: ['users'], params: Type.Object({ id: Type.String({ format: 'uuid' }) }) } }, async () => ({}));
    });
    posts = await startDocumentedService('post-service', (app) => {
      app.post('/api/v1/posts', { schema: { tags: ['posts'], body: Type.Object({ text: Type.String({ maxLength: 500 }) }) } }, async () => ({}));
      app.get('/api/v1/users/:id/posts', { schema: { tags: ['posts'], querystring: Type.Object({ cursor: Type.Optional(Type.String()) }) } }, async () => ({}));
    });
    gateway = await buildGateway({ USER_SERVICE_URL: users.url, POST_SERVICE_URL: posts.url, NOTIFICATION_SERVICE_URL: await deadUrl(), DOCS_CACHE_MS: '0' });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([users?.close(), posts?.close()]);
  });

  it('serves the merged JSON at /docs/json with both services paths and schemas', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/register', '/api/v1/users/{id}', '/api/v1/posts', '/api/v1/users/{id}/posts', '/ws', '/healthz', '/readyz']),
    );
    // /metrics is served on METRICS_PORT only, so the public API does not list it.
    expect(doc.paths).not.toHaveProperty('/metrics');
    expect(Object.keys(doc.paths).some((p: string) => p.includes('*'))).toBe(false);
    // The open routes the gateway proxies (tracking links, dev outbox) are the service's to document.
    expect(Object.keys(doc.paths).filter((p: string) => p.startsWith('/dev/') || p.startsWith('/t/'))).toEqual([]);
    // The services' validation rules, as they declared them.
    expect(JSON.stringify(doc.paths['/api/v1/posts'].post.requestBody)).toContain('"maxLength":500');
    expect(JSON.stringify(doc.paths['/api/v1/auth/register'].post.requestBody)).toContain('"minLength":3');
    expect(doc.paths['/api/v1/users/{id}/posts'].get['x-herald-service']).toBe('post-service');
    expect(doc.paths['/api/v1/auth/register'].post.security).toEqual([]);
    expect(doc.paths['/api/v1/posts'].post.security).toEqual([{ bearer: [] }]);
    // Every reference points at a component the merged document has.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"/]+)/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) expect(doc.components.schemas).toHaveProperty([name!]);
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    expect(JSON.stringify(doc.paths['/ws'].get.parameters)).toContain('"token"');
  });

  it('omits a service that is down and says so in the description', async () => {
    const doc = (await gateway.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.info.description).toMatch(/\*\*notification-service\*\*: unavailable \(ECONNREFUSED\)/);
    expect(doc['x-herald-upstreams']).toEqual(
      expect.arrayContaining([
        { service: 'user-service', status: 'ok', operations: 2 },
        { service: 'post-service', status: 'ok', operations: 2 },
        expect.objectContaining({ service: 'notification-service', status: 'unavailable' }),
      ]),
    );
  });

  it('serves Swagger UI at /docs and the same document as YAML', async () => {
    const ui = await gateway.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    const yaml = await gateway.app.inject({ method: 'GET', url: '/docs/yaml' });
    expect(yaml.body).toContain('/api/v1/users/{id}/posts');
  });
});

describe('web-demo at /', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'herald-web-'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Herald</title>');
    writeFileSync(path.join(dir, 'app.js'), 'console.log("herald")');
    writeFileSync(path.join(dir, '.env'), 'SECRET=1');
    mkdirSync(path.join(dir, 'guide'));
    writeFileSync(path.join(dir, 'guide', 'index.html'), '<p>guide</p>');
    gateway = await buildGateway({ WEB_DEMO_DIR: dir, NOTIFICATION_SERVICE_URL: await deadUrl() });
  });
  afterAll(async () => {
    try {
      await gateway?.close();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  const get = (url: string, accept = '*/*') => gateway.app.inject({ method: 'GET', url, headers: { accept } });

  it('serves index.html at / and the other files by name', async () => {
    const index = await get('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.body).toContain('<title>Herald</title>');
    const js = await get('/app.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect((await get('/guide/')).body).toBe('<p>guide</p>');
  });

  it('falls back to index.html for a browser navigation to an unknown page', async () => {
    const res = await get('/inbox/42', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>Herald</title>');
  });

  it('keeps the JSON 404 for other clients and for every API path', async () => {
    for (const [url, accept] of [
      ['/inbox/42', 'application/json'],
      ['/api/v1', 'text/html'],
      ['/api/v2/posts', 'text/html'],
      ['/api/v1/nope', 'text/html'],
    ]) {
      const res = await get(url!, accept);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('route_not_found');
    }
  });

  it('never serves dot-files or anything outside the folder', async () => {
    for (const url of ['/.env', '/%2e%2e/package.json', '/..%2f..%2fetc/passwd', '/guide/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('SECRET');
    }
  });
});
