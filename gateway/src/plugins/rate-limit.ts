import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { RateLimitedError, type LimitScope } from '../errors.js';
import type { GatewayMetrics } from '../metrics.js';
import { redisRateLimitStore } from './rate-limit-store.js';

export interface RateLimitOptions {
  enabled: boolean;
  ipPerMinute: number;
  userPerMinute: number;
  authPerMinute: number;
  /** Counters live here when given (shared by every replica), else in this process. */
  redis?: Redis;
  prefix: string;
  metrics: GatewayMetrics;
}

type Limit = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Limits the proxy applies once it knows the route: per IP on sign-in, per user elsewhere. */
    limits: { auth: Limit; user: Limit };
  }
}

const WINDOW_MS = 60_000;
// Load balancers poll these; they cost nothing and must never be refused. (Prometheus scrapes
// /metrics on METRICS_PORT, which has no limit: it is not the public port.)
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Three fixed-window limits built on @fastify/rate-limit's `createRateLimit`: every request counts
 * against its IP (first, before any token check is spent), register/login also against a stricter
 * per-IP budget, authenticated calls against their user (the token's sub).
 */
export const rateLimitPlugin = fp<RateLimitOptions>(
  async (app, opts) => {
    if (!opts.enabled) {
      const none: Limit = async () => {};
      app.decorate('limits', { auth: none, user: none });
      return;
    }
    await app.register(rateLimit, {
      global: false,
      skipOnError: true,
      ...(opts.redis ? { store: redisRateLimitStore(opts.redis, opts.prefix, app.log) } : {}),
    });
    // A socket torn down mid-request (junk behind a request) has no address any more.
    const ipKey = (req: FastifyRequest) => (req.ip ? rateLimit.normalizeIP(req.ip) : 'unknown');
    const enforce = (scope: LimitScope, max: number, key: (req: FastifyRequest) => string): Limit => {
      const check = app.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: (req) => `${scope}:${key(req)}` });
      return async (req, reply) => {
        const result = await check(req);
        if (result.isAllowed) return;
        const retryAfter = Math.max(1, result.ttlInSeconds);
        reply.header('x-ratelimit-limit', result.max).header('x-ratelimit-remaining', result.remaining).header('x-ratelimit-reset', retryAfter);
        if (!result.isExceeded) return;
        opts.metrics.rateLimited.inc({ scope });
        reply.header('retry-after', retryAfter);
        throw new RateLimitedError(scope, result.max, retryAfter);
      };
    };

    const perIp = enforce('ip', opts.ipPerMinute, ipKey);
    app.addHook('onRequest', async (req, reply) => {
      if (!UNLIMITED_PATHS.has(req.url.split('?', 1)[0]!)) await perIp(req, reply);
    });
    app.decorate('limits', {
      auth: enforce('auth', opts.authPerMinute, ipKey),
      user: enforce('user', opts.userPerMinute, (req) => req.claims?.userId ?? 'anonymous'),
    });
  },
  { name: 'gateway-rate-limit', dependencies: ['gateway-auth'] },
);
