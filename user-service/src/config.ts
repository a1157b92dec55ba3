import { DEFAULT_REFRESH_REUSE_GRACE_SECONDS } from './domain/sessions.js';
import { env, loadConfig, readPem, required, type ConfigOf, type Reader } from '@herald/platform';

type Env = Record<string, string | undefined>;

/** A PEM inline or a path to one; a missing file is reported by the variable's name. */
const pem = (name: string): Reader<string | undefined> => (source) => {
  const raw = source[name];
  if (!raw) return { ok: true, value: undefined };
  try {
    return { ok: true, value: readPem(raw) };
  } catch (err) {
    return { ok: false, problem: `${name}: cannot read the key (${(err as Error).message})` };
  }
};

/**
 * The retention job (README.md "Configuration", docs/operations.md "Retention"), read by the
 * standalone service and the embedded mode alike.
 */
export const userRetentionEnvSpec = {
  /** How often the retention job runs; 0 switches it off. */
  retentionIntervalMs: env.int('RETENTION_INTERVAL_MS', 3_600_000, 0, 7 * 24 * 3_600_000),
  retentionBatchSize: env.int('RETENTION_BATCH_SIZE', 1000, 1, 100_000),
  retentionSessionsDays: env.int('RETENTION_SESSIONS_DAYS', 30, 1, 3650),
  retentionLoginFailuresHours: env.int('RETENTION_LOGIN_FAILURES_HOURS', 24, 1, 24 * 365),
};

/**
 * user-service's configuration schema: every variable it reads, with its default (README.md,
 * "Configuration"). The embedded runtime builds the database, the broker and the key pair itself,
 * so those are optional here; standalone they are required (below).
 */
export const userServiceConfigSpec = {
  port: env.port('PORT', 3001),
  host: env.string('HOST', '127.0.0.1'),
  databaseUrl: env.optionalUrl('DATABASE_URL', ['postgres', 'postgresql']),
  databaseSchema: env.schemaName('DATABASE_SCHEMA', 'users'),
  amqpUrl: env.optionalUrl('AMQP_URL', ['amqp', 'amqps']),
  amqpExchange: env.string('AMQP_EXCHANGE', 'herald.events'),
  /** Prefixes every queue name, so deployments (or test runs) sharing a broker never share queues. */
  amqpQueuePrefix: env.string('AMQP_QUEUE_PREFIX', ''),
  jwtPrivateKey: pem('JWT_PRIVATE_KEY'),
  jwtPublicKey: pem('JWT_PUBLIC_KEY'),
  accessTokenTtlSeconds: env.int('ACCESS_TOKEN_TTL_SECONDS', 900, 60, 24 * 3600),
  refreshTokenTtlSeconds: env.int('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 300, 365 * 24 * 3600),
  refreshReuseGraceSeconds: env.int('REFRESH_REUSE_GRACE_SECONDS', DEFAULT_REFRESH_REUSE_GRACE_SECONDS, 0, 60),
  ...userRetentionEnvSpec,
};

/** The standalone runtime (main.ts) connects to the database and the broker and signs tokens itself. */
export const userServiceStandaloneConfigSpec = {
  ...userServiceConfigSpec,
  databaseUrl: required('DATABASE_URL', userServiceConfigSpec.databaseUrl),
  amqpUrl: required('AMQP_URL', userServiceConfigSpec.amqpUrl),
  jwtPrivateKey: required('JWT_PRIVATE_KEY', userServiceConfigSpec.jwtPrivateKey, 'a PEM key or a path to one'),
  jwtPublicKey: required('JWT_PUBLIC_KEY', userServiceConfigSpec.jwtPublicKey, 'a PEM key or a path to one'),
};

export type UserServiceConfig = ConfigOf<typeof userServiceConfigSpec>;

export function loadUserServiceConfig(source: Env = process.env, { standalone = false } = {}): UserServiceConfig {
  return loadConfig(standalone ? userServiceStandaloneConfigSpec : userServiceConfigSpec, source);
}
