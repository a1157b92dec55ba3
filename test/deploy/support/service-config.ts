import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@herald/platform';
import { publicKeyOf, readGatewayConfig } from '@herald/gateway';
import { readNotificationServiceConfig } from '@herald/notification-service';
import { readPostServiceConfig } from '@herald/post-service';
import { loadUserServiceConfig } from '@herald/user-service';
import type { ServiceName } from './manifests.js';

type Env = Record<string, string | undefined>;

/**
 * Each service's own start-up reading of its environment, exactly as its src/main.ts does it
 * (the gateway's key is resolved at start too), so a deployment is judged by the same code.
 */
export const LOADERS: Record<ServiceName, (env: Env) => Record<string, unknown>> = {
  'user-service': (env) => loadUserServiceConfig(env, { standalone: true }),
  'post-service': (env) => readPostServiceConfig(env),
  'notification-service': (env) => readNotificationServiceConfig(env),
  gateway: (env) => {
    const config = readGatewayConfig(env);
    // Without JWT_PUBLIC_KEY the gateway falls back to a key under HERALD_DATA_DIR, which a
    // container never has: resolve it against an empty folder so that fallback cannot pass.
    const empty = mkdtempSync(path.join(tmpdir(), 'herald-no-keys-'));
    try {
      publicKeyOf({ ...config, dataDir: empty });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    return config;
  },
};

/** Settings whose defaults suit one machine but not a deployment, where they must be given. */
export const DEPLOYMENT_REQUIRES: Record<ServiceName, string[]> = {
  // Services bind 127.0.0.1 unless told otherwise: unreachable from another container or pod.
  'user-service': ['HOST', 'PORT'],
  'post-service': ['HOST', 'PORT'],
  'notification-service': ['HOST', 'PORT'],
  // Upstreams default to 127.0.0.1; without Redis, every replica keeps its own rate-limit counters.
  gateway: ['PORT', 'USER_SERVICE_URL', 'POST_SERVICE_URL', 'NOTIFICATION_SERVICE_URL', 'REDIS_URL'],
};

/** What the loader itself refuses to start without: run it on an empty environment and read the names. */
export function requiredBySpec(service: ServiceName): string[] {
  try {
    LOADERS[service]({});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => /^([A-Z][A-Z0-9_]*) is required/.exec(p)?.[1]).filter((n): n is string => Boolean(n));
  }
  throw new Error(`${service} started with an empty environment: its required settings cannot be read this way`);
}

export function requiredVariables(service: ServiceName): string[] {
  return [...new Set([...requiredBySpec(service), ...DEPLOYMENT_REQUIRES[service]])].sort();
}
