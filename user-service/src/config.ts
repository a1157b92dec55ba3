import { DEFAULT_REFRESH_REUSE_GRACE_SECONDS } from './domain/sessions.js';
import { env, loadConfig, readPem } from '@herald/platform';

type Env = Record<string, string | undefined>;
type Read<T> = (source: Env) => { ok: true; value: T } | { ok: false; problem: string };

/** A Postgres schema name; also becomes the outbox NOTIFY channel, so plain lowercase only. */
const schemaName = (name: string, fallback: string): Read<string> => (source) => {
  const value = source[name] || fallback;
  return /^[a-z_][a-z0-9_]{0,62}$/.test(value)
    ? { ok: true, value }
    : { ok: false, problem: `${name}=${JSON.stringify(value)} is not a lowercase identifier ([a-z_][a-z0-9_]*)` };
};

/** A PEM inline or a path to one; a missing file is reported by the variable's name. */
const pem = (name: string, required: boolean): Read<string | undefined> => (source) => {
  const raw = source[name];
  if (!raw) return required ? { ok: false, problem: `${name} is required (a PEM key or a path to one)` } : { ok: true, value: undefined };
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
 * The standalone runtime (main.ts) needs the database, the broker and the key pair; the embedded
 * runtime builds those itself and reads only the rest, so they are optional unless `standalone`.
 */
export function loadUserServiceConfig(source: Env = process.env, { standalone = false } = {}) {
  const need = <T>(read: Read<T>, name: string): Read<T> =>
    standalone ? (s) => (s[name] ? read(s) : { ok: false, problem: `${name} is required` }) : read;
  return loadConfig(
    {
      port: env.port('PORT', 3001),
      host: env.string('HOST', '127.0.0.1'),
      databaseUrl: need(env.optionalUrl('DATABASE_URL', ['postgres', 'postgresql']), 'DATABASE_URL'),
      databaseSchema: schemaName('DATABASE_SCHEMA', 'users'),
      amqpUrl: need(env.optionalUrl('AMQP_URL', ['amqp', 'amqps']), 'AMQP_URL'),
      amqpExchange: env.string('AMQP_EXCHANGE', 'herald.events'),
      /** Prefixes every queue name, so deployments (or test runs) sharing a broker never share queues. */
      amqpQueuePrefix: env.string('AMQP_QUEUE_PREFIX', ''),
      jwtPrivateKey: pem('JWT_PRIVATE_KEY', standalone),
      jwtPublicKey: pem('JWT_PUBLIC_KEY', standalone),
      accessTokenTtlSeconds: env.int('ACCESS_TOKEN_TTL_SECONDS', 900, 60, 24 * 3600),
      refreshTokenTtlSeconds: env.int('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 300, 365 * 24 * 3600),
      refreshReuseGraceSeconds: env.int('REFRESH_REUSE_GRACE_SECONDS', DEFAULT_REFRESH_REUSE_GRACE_SECONDS, 0, 60),
      ...userRetentionEnvSpec,
    },
    source,
  );
}

export type UserServiceConfig = ReturnType<typeof loadUserServiceConfig>;
