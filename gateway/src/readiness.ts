import type { Redis } from 'ioredis';
import type { ReadinessCheck } from '@herald/platform';
import type { ServiceName } from './routes-table.js';
import { describeFailure } from './upstream-docs.js';

const PROBE_TIMEOUT_MS = 1_500;

async function healthz(baseUrl: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(new URL('/healthz', baseUrl), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (err) {
    throw new Error(describeFailure(err, PROBE_TIMEOUT_MS));
  }
  await res.body?.cancel();
  if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
}

/** /readyz: each upstream's /healthz (when asked to) and Redis, each under its own name. */
export function readinessChecks(opts: {
  upstreams: Record<ServiceName, string>;
  checkUpstreams: boolean;
  redis?: Redis;
}): Record<string, ReadinessCheck> {
  const checks: Record<string, ReadinessCheck> = {};
  if (opts.checkUpstreams) {
    for (const [service, url] of Object.entries(opts.upstreams)) checks[service] = () => healthz(url);
  }
  if (opts.redis) {
    const redis = opts.redis;
    checks.redis = () => redis.ping();
  }
  return checks;
}
