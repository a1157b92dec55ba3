import cors from '@fastify/cors';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { createHttpApp, type HttpApp, type Logger, type TokenVerifier } from '@herald/platform';
import { upstreamsOf, type GatewayConfig } from './config.js';
import { createGatewayMetrics } from './metrics.js';
import { readinessChecks } from './readiness.js';
import { authPlugin } from './plugins/auth.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { proxyPlugin } from './plugins/proxy.js';
import { wsPlugin } from './plugins/ws.js';
import { docsPlugin } from './plugins/docs.js';
import { staticPlugin } from './plugins/static.js';

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
  /** Listens; resolves with the address. */
  start(opts: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

const DESCRIPTION =
  'The public Herald API, served through the gateway. Every route needs `Authorization: Bearer <accessToken>` ' +
  'except `POST /api/v1/auth/register`, `POST /api/v1/auth/login` and `POST /api/v1/providers/sms/status` ' +
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

  await app.register(cors, {
    origin: config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
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

  return {
    app,
    start: ({ port, host }) => app.listen({ port, host }),
    close: () => app.close(),
  };
}
