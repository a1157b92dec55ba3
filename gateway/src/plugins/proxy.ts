import { PassThrough } from 'node:stream';
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import type { FastifyInstance } from 'fastify';
import { resolveRoute, type ServiceName } from '../routes-table.js';
import { InvalidPathError, PayloadTooLargeError, RouteNotFoundError, UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js';
import type { GatewayMetrics } from '../metrics.js';

export interface ProxyOptions {
  upstreams: Record<ServiceName, string>;
  timeoutMs: number;
  connectTimeoutMs: number;
  bodyLimitBytes: number;
  metrics: GatewayMetrics;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The owning service of a proxied request, decided before anything else runs. */
    proxied: { service: ServiceName; isPublic: boolean } | null;
  }
}

// OPTIONS is left to @fastify/cors, which answers preflights before any token is asked for.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const TIMEOUT_CODES = new Set(['FST_REPLY_FROM_GATEWAY_TIMEOUT', 'FST_REPLY_FROM_TIMEOUT', 'FST_REPLY_FROM_HTTP_REQUEST_TIMEOUT']);

/**
 * `/api/v1/*` to the owning service, path and query byte for byte. One @fastify/http-proxy
 * registration whose upstream comes from the routing table (see docs/adr/0005-gateway-proxy.md).
 * Order per request: route (404/400 without a token check), token, limits, body size, proxy.
 */
export async function proxyPlugin(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  app.decorateRequest('proxied', null);
  // Bodies stream through unparsed. Through a PassThrough of their own: when the upstream cannot be
  // reached, the proxy client destroys the body it was given, and that must not be the client's
  // socket (the client is owed a 503, not a reset).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload.pipe(new PassThrough())));

  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?', 1)[0]!;
    const resolution = resolveRoute(req.method, path);
    if (resolution.kind === 'invalid') throw new InvalidPathError(resolution.reason);
    if (resolution.kind === 'unknown') throw new RouteNotFoundError(req.method, path);
    req.proxied = { service: resolution.service, isPublic: resolution.isPublic };
  });
  app.addHook('onRequest', async (req, reply) => {
    if (req.proxied!.isPublic) return app.limits.auth(req, reply);
    // Backends may call the send API with an API key instead of a token; notification-service,
    // which holds the keys, verifies it. Only those routes, and only without a bearer token.
    if (!req.headers.authorization && typeof req.headers['x-api-key'] === 'string' && acceptsApiKey(req.method, req.url)) {
      return app.limits.auth(req, reply);
    }
    await app.authenticate(req);
    await app.limits.user(req, reply);
  });
  app.addHook('onRequest', async (req) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > opts.bodyLimitBytes) throw new PayloadTooLargeError(opts.bodyLimitBytes);
  });
  app.addHook('onResponse', async (req, reply) => {
    if (!req.proxied) return;
    const labels = { upstream: req.proxied.service, method: req.method, status_code: String(reply.statusCode) };
    opts.metrics.upstreamDuration.observe(labels, reply.elapsedTime / 1000);
  });

  const proxyOptions: FastifyHttpProxyOptions = {
    upstream: '',
    prefix: '/api/v1',
    rewritePrefix: '/api/v1',
    routes: ['/*'],
    httpMethods: METHODS,
    disableRequestLogging: true,
    proxyPayloads: false,
    undici: { connections: 128, pipelining: 1, connect: { timeout: opts.connectTimeoutMs } },
    replyOptions: {
      getUpstream: (req) => opts.upstreams[req.proxied!.service],
      rewriteRequestHeaders: (req, headers) => ({
        ...headers,
        'x-request-id': req.id,
        'x-forwarded-for': req.ip,
        'x-forwarded-proto': req.protocol,
        'x-forwarded-host': req.host,
      }),
      onError: (reply, { error }) => {
        const service = reply.request.proxied!.service;
        const { code, cause } = error as Error & { code?: string; cause?: { code?: string } };
        reply.request.log.warn({ service, cause: cause?.code, reason: error.message }, 'upstream request failed');
        const timedOut = TIMEOUT_CODES.has(code ?? '') || cause?.code === 'UND_ERR_HEADERS_TIMEOUT';
        // Anything short of an answer in time (refused, reset, unresolvable, no connection) is "down".
        reply.send(timedOut ? new UpstreamTimeoutError(service, opts.timeoutMs) : new UpstreamUnavailableError(service));
      },
      timeout: opts.timeoutMs,
      // reply-from retries GETs answered 503 up to ten times by default; an upstream's 503 is its answer.
      retryDelay: () => null,
    },
    // http-proxy rebuilds the query string from a parsed copy; forwarding the raw path and letting
    // reply-from append the raw query keeps both byte for byte.
    handler: (req, reply, _dest, options) => reply.from(req.url.split('?', 1)[0], options),
  };
  await app.register(httpProxy, proxyOptions);
}

/** The send API and its delivery status: the routes a backend with an API key may call. */
export function acceptsApiKey(method: string, url: string): boolean {
  const path = url.split('?', 1)[0];
  return (method === 'POST' && path === '/api/v1/notifications') || (method === 'GET' && path === '/api/v1/notifications/status');
}
