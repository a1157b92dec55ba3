import { createServer } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';

export interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EchoUpstream {
  name: string;
  url: string;
  /** Every proxied request this upstream received (not its /healthz). */
  hits: Hit[];
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * A real HTTP server standing in for a service: answers every path with what it received, raw
 * body included, so a test can see exactly what the gateway forwarded. `/slow/*` waits first.
 * `routes` adds routes of its own (recorded in `hits` as well) ahead of the echo.
 */
export async function startEchoUpstream(
  name: string,
  opts: { slowMs?: number; routes?: (app: FastifyInstance, record: (req: FastifyRequest) => void) => void } = {},
): Promise<EchoUpstream> {
  const hits: Hit[] = [];
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.get('/healthz', async () => ({ status: 'ok' }));
  opts.routes?.(app, (req) => hits.push({ method: req.method, url: req.url, headers: req.headers, body: (req.body as string | undefined) ?? '' }));
  app.all('/*', async (req, reply) => {
    const hit = { method: req.method, url: req.url, headers: req.headers, body: (req.body as string | undefined) ?? '' };
    hits.push(hit);
    if (req.url.includes('/slow')) await new Promise((r) => setTimeout(r, opts.slowMs ?? 2_000));
    if (req.url.includes('/status/503')) return reply.code(503).send({ error: { code: 'dependency_unavailable', message: 'db down' } });
    reply.header('x-upstream', name);
    return { service: name, ...hit };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { name, url: `http://127.0.0.1:${port}`, hits, app, close: () => app.close() };
}

/** A URL where nothing listens (the port was free a moment ago). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
