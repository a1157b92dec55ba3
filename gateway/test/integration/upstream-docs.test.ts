import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamDocs } from '../../src/upstream-docs.js';
import { deadUrl } from '../support/upstreams.js';

// A real HTTP server that counts how often its document is fetched.
describe('fetching the services OpenAPI documents', () => {
  let server: Server;
  let url: string;
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/openapi.json') return res.writeHead(404).end();
      fetches++;
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ openapi: '3.1.0', paths: {} })), 50);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('shares one round of fetches between concurrent askers and keeps it for the TTL', async () => {
    let now = 1_000;
    const docs = new UpstreamDocs({ 'user-service': url, 'post-service': url, 'notification-service': url }, 10_000, () => now);
    const before = fetches;
    const [a, b] = await Promise.all([docs.get(), docs.get()]);
    expect(a).toBe(b);
    expect(fetches - before).toBe(3);
    now += 9_999;
    await docs.get();
    expect(fetches - before).toBe(3);
    now += 1;
    const fresh = await docs.get();
    expect(fetches - before).toBe(6);
    expect(fresh.every((d) => d.ok)).toBe(true);
  });

  it('reports a down or broken service instead of failing', async () => {
    const broken = createServer((_req, res) => res.writeHead(503).end('not ready'));
    broken.listen(0, '127.0.0.1');
    await once(broken, 'listening');
    const brokenUrl = `http://127.0.0.1:${(broken.address() as { port: number }).port}`;
    try {
      const docs = new UpstreamDocs({ 'user-service': url, 'post-service': await deadUrl(), 'notification-service': brokenUrl }, 0);
      const result = await docs.get();
      expect(result[0]).toMatchObject({ service: 'user-service', ok: true });
      expect(result[1]).toEqual({ service: 'post-service', ok: false, reason: 'ECONNREFUSED' });
      expect(result[2]).toEqual({ service: 'notification-service', ok: false, reason: 'GET /openapi.json answered 503' });
    } finally {
      await new Promise((resolve) => broken.close(resolve));
    }
  });
});
