import { Readable } from 'node:stream';
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import type { FastifyInstance } from 'fastify';
import { matchesPattern, OPEN_ROUTES, resolveRoute, type LimitBudget, type ServiceName } from '../routes-table.js';
import { ApiKeyFromBrowserError, InvalidPathError, PayloadTooLargeError, RouteNotFoundError, UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js';
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
    proxied: { service: ServiceName; isPublic: boolean; limit: LimitBudget } | null;
  }
}

// OPTIONS is left to @fastify/cors, which answers preflights before any token is asked for.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const TIMEOUT_CODES = new Set(['FST_REPLY_FROM_GATEWAY_TIMEOUT', 'FST_REPLY_FROM_TIMEOUT', 'FST_REPLY_FROM_HTTP_REQUEST_TIMEOUT']);

/**
 * `/api/v1/*` to the owning service, path and query byte for byte: one @fastify/http-proxy
 * registration whose upstream comes from the routing table (see docs/adr/0005-gateway-proxy.md).
 * Order per request: route (404/400 without a token check), token, limits, body size, proxy.
 * Beside it, a second registration for the open routes outside `/api/v1` (tracking links, the dev
 * outbox): GET only, no token, no body, headers and body passed through as the service gave them.
 */
export async function proxyPlugin(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  app.decorateRequest('proxied', null);
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?', 1)[0]!;
    const resolution = resolveRoute(req.method, path);
    if (resolution.kind === 'invalid') throw new InvalidPathError(resolution.reason);
    if (resolution.kind === 'unknown') throw new RouteNotFoundError(req.method, path);
    req.proxied = { service: resolution.service, isPublic: resolution.isPublic, limit: resolution.limit };
  });
  app.addHook('onResponse', async (req, reply) => {
    if (!req.proxied) return;
    const labels = { upstream: req.proxied.service, method: req.method, status_code: String(reply.statusCode) };
    opts.metrics.upstreamDuration.observe(labels, reply.elapsedTime / 1000);
  });
  await app.register(apiProxy, opts);
  await app.register(openProxy, opts);
}

async function apiProxy(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  // Bodies are read whole, up to the limit, before any upstream is asked: a chunked body (no
  // Content-Length to judge up front) that grows past it is a 413 here, not a socket the upstream
  // slams shut mid-upload (which reads as a 503). Unparsed, so a form-encoded provider receipt
  // reaches the service byte for byte, as its signature needs; forwarded with its exact length.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimitBytes }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    const { isPublic, limit } = req.proxied!;
    if (isPublic) return limit === 'auth' ? app.limits.auth(req, reply) : undefined;
    // Backends and operators may call some routes with an API key instead of a token;
    // notification-service, which holds the keys, verifies it. Only those routes, and only without a bearer token.
    if (!req.headers.authorization && typeof req.headers['x-api-key'] === 'string' && acceptsApiKey(req.method, req.url)) {
      // API keys belong to backends. A browser always says where the page came from; a key sent
      // from one has leaked into front-end code, and is refused before it is even checked.
      if (req.headers.origin !== undefined) throw new ApiKeyFromBrowserError();
      return app.limits.auth(req, reply);
    }
    await app.authenticate(req);
    await app.limits.user(req, reply);
  });
  // Refused before a byte of the body is read (and, with Expect: 100-continue, before it is sent).
  app.addHook('onRequest', async (req) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > opts.bodyLimitBytes) throw new PayloadTooLargeError(opts.bodyLimitBytes);
  });

  await app.register(httpProxy, {
    ...proxyOptions(opts),
    prefix: '/api/v1',
    rewritePrefix: '/api/v1',
    routes: ['/*'],
    httpMethods: METHODS,
  });
}

async function openProxy(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  // Plumbing, not the gateway's API: /docs shows them as notification-service documents them.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true } as typeof route.schema;
  });
  await app.register(httpProxy, {
    ...proxyOptions(opts),
    // Each pattern of OPEN_ROUTES as a route of its own: more specific than web-demo's `/*`, so the
    // static files never shadow them, and nothing else outside /api/v1 reaches a service.
    routes: OPEN_ROUTES.map((r) => r.pattern),
    httpMethods: ['GET', 'HEAD'],
    // A tracking link's redirect goes wherever the service says, untouched.
    internalRewriteLocationHeader: false,
  });
}

/** What both registrations share: the upstream from the routing table, headers, errors, timeouts. */
function proxyOptions(opts: ProxyOptions): FastifyHttpProxyOptions {
  return {
    upstream: '',
    disableRequestLogging: true,
    proxyPayloads: false,
    undici: { connections: 128, pipelining: 1, connect: { timeout: opts.connectTimeoutMs } },
    replyOptions: {
      getUpstream: (req) => opts.upstreams[req.proxied!.service],
      rewriteRequestHeaders: (req, headers) => ({
        ...bodyHeaders(req, headers),
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
    handler: (req, reply, _dest, options) => {
      // A read body goes on as a stream of its own: reply-from would re-encode a JSON Buffer (and
      // rewrite its Content-Type); when the upstream cannot be reached, it is this stream that is
      // destroyed, never the client's socket (the client is owed a 503, not a reset).
      if (Buffer.isBuffer(req.body)) {
        bodyLengths.set(req, req.body.length);
        req.body = Readable.from([req.body], { objectMode: false });
      }
      return reply.from(req.url.split('?', 1)[0], options);
    },
  };
}

/**
 * The request's own headers with the body's framing made exact: the length of what was read
 * (chunked or not, the upstream gets Content-Length), and no `Expect` (the gateway has answered
 * 100-continue itself; the proxy client refuses to send one).
 */
function bodyHeaders(req: object, headers: Record<string, unknown>): Record<string, unknown> {
  const { expect: _expect, 'transfer-encoding': _te, 'content-length': length, ...rest } = headers;
  const read = bodyLengths.get(req);
  if (read !== undefined) return { ...rest, 'content-length': String(read) };
  return length === undefined ? rest : { ...rest, 'content-length': length };
}
const bodyLengths = new WeakMap<object, number>();

/**
 * The routes a backend or an operator may call with an API key (`X-API-Key`) instead of a token:
 * the send API and its delivery status, webhook subscriptions, and every operator route under
 * `/api/v1/admin/` (the service requires the admin scope there). Matched on decoded segments, as the
 * routing table is.
 */
export const API_KEY_ROUTES: ReadonlyArray<{ method: string; pattern: string }> = [
  { method: 'POST', pattern: '/api/v1/notifications' },
  { method: 'GET', pattern: '/api/v1/notifications/status' },
  { method: 'POST', pattern: '/api/v1/webhooks' },
  { method: 'GET', pattern: '/api/v1/webhooks' },
  { method: 'DELETE', pattern: '/api/v1/webhooks/:id' },
  { method: '*', pattern: '/api/v1/admin/*' },
];

export function acceptsApiKey(method: string, url: string): boolean {
  const path = url.split('?', 1)[0]!;
  const verb = method.toUpperCase();
  return API_KEY_ROUTES.some((r) => (r.method === '*' || r.method === verb) && matchesPattern(r.pattern, path));
}
