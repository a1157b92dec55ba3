import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, env, loadConfig, readPem, type ConfigOf } from '@herald/platform';
import type { ServiceName } from './routes-table.js';

type Source = Record<string, string | undefined>;
type Read<T> = (source: Source) => { ok: true; value: T } | { ok: false; problem: string };

/** gateway/src (or gateway/dist) → the repository root, whatever the working directory is. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `*`, or a comma-separated list of origins such as `https://app.example.com,http://localhost:5173`. */
const originList = (name: string, fallback: string): Read<'*' | string[]> => (source) => {
  const raw = (source[name] || fallback).trim();
  if (raw === '*') return { ok: true, value: '*' };
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  const bad = origins.find((o) => {
    try {
      const url = new URL(o);
      return !['http:', 'https:'].includes(url.protocol) || url.origin !== o;
    } catch {
      return true;
    }
  });
  if (origins.length === 0 || bad !== undefined) {
    return { ok: false, problem: `${name}=${JSON.stringify(raw)} is not * or a comma-separated list of origins (scheme://host[:port])` };
  }
  return { ok: true, value: origins };
};

/** Prometheus' port for exporters like this one (the OpenTelemetry Prometheus exporter's default). */
export const DEFAULT_METRICS_PORT = 9464;

/**
 * `METRICS_PORT`: where /metrics is served, never on the public PORT. Unset: 9464, or any free port
 * when PORT is 0 (tests and embedded runs side by side); `off`: not served at all.
 */
const metricsPort: Read<number | null> = (source) => {
  const raw = (source.METRICS_PORT ?? '').trim();
  const publicPort = (source.PORT ?? '').trim();
  if (raw === '') return { ok: true, value: publicPort === '0' ? 0 : DEFAULT_METRICS_PORT };
  if (['off', 'none', 'false'].includes(raw.toLowerCase())) return { ok: true, value: null };
  const port = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) return { ok: false, problem: `METRICS_PORT=${JSON.stringify(raw)} is not a port number (0-65535) or off` };
  if (port !== 0 && String(port) === (publicPort || '3000')) {
    return { ok: false, problem: `METRICS_PORT=${port} is the public PORT: metrics must be served on a port of their own` };
  }
  return { ok: true, value: port };
};

/** A folder given relative to the repository (not the cwd), or absolute. */
const repoPath = (name: string, fallback: string): Read<string> => (source) => ({
  ok: true,
  value: path.resolve(repoRoot, source[name] || fallback),
});

export const gatewayConfigSpec = {
  port: env.port('PORT', 3000),
  host: env.string('HOST', '0.0.0.0'),
  /** /metrics listens here only (null: nowhere); see metricsPort above. */
  metricsPort,
  /** The metrics listener's address; HOST when unset (a pod's scraper needs more than loopback). */
  metricsHost: env.optionalString('METRICS_HOST'),
  userServiceUrl: env.url('USER_SERVICE_URL', ['http', 'https'], 'http://127.0.0.1:3001'),
  postServiceUrl: env.url('POST_SERVICE_URL', ['http', 'https'], 'http://127.0.0.1:3002'),
  notificationServiceUrl: env.url('NOTIFICATION_SERVICE_URL', ['http', 'https'], 'http://127.0.0.1:3003'),
  /** PEM or a path to one; without it, the key embedded mode keeps in HERALD_DATA_DIR/keys. */
  jwtPublicKey: env.optionalString('JWT_PUBLIC_KEY'),
  dataDir: env.string('HERALD_DATA_DIR', './.herald'),
  redisUrl: env.optionalUrl('REDIS_URL', ['redis', 'rediss']),
  rateLimitEnabled: env.bool('RATE_LIMIT_ENABLED', true),
  rateLimitIpPerMinute: env.int('RATE_LIMIT_IP_PER_MINUTE', 3000, 1, 10_000_000),
  rateLimitUserPerMinute: env.int('RATE_LIMIT_USER_PER_MINUTE', 1200, 1, 10_000_000),
  rateLimitAuthPerMinute: env.int('RATE_LIMIT_AUTH_PER_MINUTE', 300, 1, 10_000_000),
  rateLimitPrefix: env.string('RATE_LIMIT_PREFIX', 'herald:gateway:rl:'),
  corsOrigins: originList('CORS_ORIGINS', '*'),
  webDemoDir: repoPath('WEB_DEMO_DIR', 'web-demo/public'),
  upstreamTimeoutMs: env.int('UPSTREAM_TIMEOUT_MS', 10_000, 50, 600_000),
  upstreamConnectTimeoutMs: env.int('UPSTREAM_CONNECT_TIMEOUT_MS', 2_000, 50, 60_000),
  docsCacheMs: env.int('DOCS_CACHE_MS', 10_000, 0, 3_600_000),
  /**
   * Largest request body the gateway reads and forwards, by Content-Length or, chunked, by the bytes
   * that arrive; over it: 413. Services refuse over their own limit (64 KiB) with a 413 of their own.
   */
  bodyLimitBytes: env.int('BODY_LIMIT_BYTES', 1_048_576, 1024, 1_073_741_824),
  /** Only behind a load balancer that sets X-Forwarded-For: otherwise clients pick their own IP. */
  trustProxy: env.bool('TRUST_PROXY', false),
  /** /readyz probes each upstream's /healthz; off where replicas must stay in rotation regardless. */
  readyChecksUpstreams: env.bool('READY_CHECKS_UPSTREAMS', true),
};

export type GatewayConfig = ConfigOf<typeof gatewayConfigSpec>;

/** Reads and validates everything at once; a ConfigError names every bad variable. */
export function readGatewayConfig(source: Source = process.env): GatewayConfig {
  return loadConfig(gatewayConfigSpec, source);
}

export function upstreamsOf(config: GatewayConfig): Record<ServiceName, string> {
  return {
    'user-service': config.userServiceUrl,
    'post-service': config.postServiceUrl,
    'notification-service': config.notificationServiceUrl,
  };
}

/** The verifying key: JWT_PUBLIC_KEY, else the one embedded mode generated under HERALD_DATA_DIR. */
export function publicKeyOf(config: GatewayConfig): string {
  if (config.jwtPublicKey) return readPem(config.jwtPublicKey);
  const generated = path.resolve(config.dataDir, 'keys', 'jwt-public.pem');
  if (existsSync(generated)) return readPem(generated);
  throw new ConfigError([`JWT_PUBLIC_KEY is required (a PEM or a path to one); ${generated} does not exist either`]);
}
