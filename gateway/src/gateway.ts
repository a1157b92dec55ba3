import cors from '@fastify/cors';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { createHttpApp, type HttpApp, type Logger, type TokenVerifier } from '@herald/platform';
import { upstreamsOf, type GatewayConfig } from './config.js';
import { createGatewayMetrics } from './metrics.js';
import { createMetricsServer } from './metrics-server.js';
import { RouteNotFoundError } from './errors.js';
import { readinessChecks } from './readiness.js';
import { authPlugin } from './plugins/auth.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { proxyPlugin } from './plugins/proxy.js';
import { wsPlugin } from './plugins/ws.js';
import { docsPlugin } from './plugins/docs.js';
import { staticPlugin } from './plugins/static.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { expectContinuePlugin } from './plugins/expect-continue.js';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
  /** Public key only: the gateway checks tokens, it never issues them. */
  verifier: TokenVerifier;
  /** Shared rate-limit counters across replicas; in-process counters without it. */
  redis?: Redis;
}

export interface Gateway {
  app: HttpApp;
  /**
   * Listens on the public port; resolves with its address. Also starts the metrics listener
   * (config.metricsPort, on config.metricsHost or `host`), unless that is off.
   */
  start(opts: { port: number; host: string }): Promise<string>;
  /** Where /metrics is served once started (`http://host:port`); undefined when off or not bound. */
  readonly metricsUrl: string | undefined;
  close(): Promise<void>;
}

const DESCRIPTION =
  'The public Herald API, served through the gateway. Every route needs `Authorization: Bearer <accessToken>` ' +
  'except `POST /api/v1/auth/register`, `/login`, `/refresh`, `/logout` (which takes a refresh token instead) and `POST /api/v1/providers/sms/status` ' +
  '(verified by its `X-Twilio-Signature`). Backends may call the send API (`POST /api/v1/notifications`, ' +
  '`GET /api/v1/notifications/status`), `POST /api/v1/webhooks` and `/api/v1/admin/*` with `X-API-Key` instead. ' +
  'Errors have the shape `{"error": {"code", "message", "details"?}}`; 429 answers carry `Retry-After`.';

/**
 * The one public door. Holds no business state: root hooks run in registration order, so each
 * request gets its id, then CORS, then the per-IP limit, before any route-specific work (the
 * WebSocket plugin comes before the proxy so its upgrade guard covers the proxied routes too).
 */
export async function createGateway({ config, logger, registry, verifier, redis }: GatewayDeps): Promise<Gateway> {
  const upstreams = upstreamsOf(config);
  const metrics = createGatewayMetrics(registry);
  const app = await createHttpApp({
    service: 'gateway',
    logger,
    registry,
    trustProxy: config.trustProxy,
    readiness: readinessChecks({ upstreams, checkUpstreams: config.readyChecksUpstreams, redis }),
    openapi: { title: 'Herald API', description: DESCRIPTION },
  });

  // Before anything else answers: security headers on every response, errors included, and
  // Expect handled by the gateway itself.
  await app.register(securityHeadersPlugin);
  await app.register(expectContinuePlugin);
  // createHttpApp serves /metrics on every service; on the public port it does not exist.
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url === '/metrics') throw new RouteNotFoundError(req.method, req.url.split('?', 1)[0]!);
  });

  await app.register(cors, {
    origin: config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    // Named, not mirrored from the preflight: X-API-Key is left out, so no browser page can send one.
    allowedHeaders: ['authorization', 'content-type', 'accept', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
  await app.register(authPlugin, { verifier });
  await app.register(rateLimitPlugin, {
    enabled: config.rateLimitEnabled,
    ipPerMinute: config.rateLimitIpPerMinute,
    userPerMinute: config.rateLimitUserPerMinute,
    authPerMinute: config.rateLimitAuthPerMinute,
    prefix: config.rateLimitPrefix,
    redis,
    metrics,
  });
  await app.register(wsPlugin, {
    upstreamUrl: config.notificationServiceUrl,
    verifier,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    metrics,
  });
  await app.register(proxyPlugin, {
    upstreams,
    timeoutMs: config.upstreamTimeoutMs,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    bodyLimitBytes: config.bodyLimitBytes,
    metrics,
  });
  await app.register(docsPlugin, { upstreams, cacheMs: config.docsCacheMs });
  await app.register(staticPlugin, { root: config.webDemoDir });

  const metricsServer = config.metricsPort === null ? undefined : createMetricsServer(registry, logger);
  let metricsUrl: string | undefined;
  return {
    app,
    get metricsUrl() {
      return metricsUrl;
    },
    async start({ port, host }) {
      const address = await app.listen({ port, host });
      if (metricsServer) {
        const where = { port: config.metricsPort!, host: config.metricsHost ?? host };
        // Metrics are not worth an outage: a port already taken is logged and the gateway serves on
        // (the scraper's target shows down). Several gateways on one host each need METRICS_PORT.
        metricsUrl = await metricsServer.listen(where).catch((err: Error) => {
          logger.error({ err: err.message, ...where }, 'metrics listener failed: /metrics is not served');
          return undefined;
        });
        if (metricsUrl) logger.info({ url: `${metricsUrl}/metrics` }, 'metrics listening');
      }
      return address;
    },
    async close() {
      await metricsServer?.close();
      await app.close();
    },
  };
}
