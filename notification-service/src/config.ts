import { randomUUID } from 'node:crypto';
import { env, loadConfig, type ConfigOf, type Reader } from '@herald/platform';
import { liveEnvSpec } from './live/options.js';
import { channelEnvSpec } from './channels/config.js';
import { retentionEnvSpec } from './retention.js';
import { readSendApiKeys } from './http/api-keys.js';

type Source = Record<string, string | undefined>;

/** Checked strictly (readSendApiKeys); unset means no API keys. */
const sendApiKeyList = (name: string): Reader<string> => (source) => {
  const raw = source[name] ?? '';
  if (raw === '') return { ok: true, value: '' };
  const { problems } = readSendApiKeys(raw);
  return problems.length ? { ok: false, problem: `${name}: ${problems.join('; ')} (format: name:key[:scopes], comma-separated)` } : { ok: true, value: raw };
};

/**
 * notification-service's configuration schema: every variable it reads, with its default
 * (README.md, "Configuration"; the channel, live and retention parts are declared next to the code
 * they configure). Every bad or missing value is reported by name at once and stops start-up.
 * JWT_PUBLIC_KEY is a PEM or a path to one, resolved at start (see readPem).
 */
export const notificationServiceConfigSpec = {
  port: env.port('PORT', 3003),
  host: env.string('HOST', '127.0.0.1'),
  databaseUrl: env.url('DATABASE_URL', ['postgres', 'postgresql']),
  databaseSchema: env.schemaName('DATABASE_SCHEMA', 'notifications'),
  /** Connections for the decide step's prepared reads (generic plans; adapters/pg-prepared.ts). */
  databaseReadPoolSize: env.int('DATABASE_READ_POOL_SIZE', 4, 1, 100),
  amqpUrl: env.url('AMQP_URL', ['amqp', 'amqps']),
  amqpExchange: env.string('AMQP_EXCHANGE', 'herald.events'),
  /** Internal topic exchange for fan-out chunks; not part of the public protocol (docs/protocol.md). */
  amqpWorkExchange: env.string('AMQP_WORK_EXCHANGE', 'herald.notification.work'),
  /** `name:key[:scopes],…`: API keys backends may use on the send API instead of a scoped token. */
  sendApiKeys: sendApiKeyList('SEND_API_KEYS'),
  /** Prepended to every queue name, so test runs (or tenants) sharing a broker never share queues. */
  amqpQueuePrefix: env.matching('AMQP_QUEUE_PREFIX', '', /^[A-Za-z0-9._-]{0,100}$/, 'letters, digits, ".", "_" or "-" (at most 100)'),
  redisUrl: env.url('REDIS_URL', ['redis', 'rediss']),
  redisPrefix: env.matching('REDIS_PREFIX', 'herald:', /^[A-Za-z0-9:._-]{1,64}$/, 'letters, digits, ":", ".", "_" or "-" (1-64)'),
  jwtPublicKey: env.string('JWT_PUBLIC_KEY'),
  chunkSize: env.int('CHUNK_SIZE', 1000, 1, 10_000),
  groupWindowMs: env.int('GROUP_WINDOW_MS', 3_600_000, 0, 30 * 24 * 3_600_000),
  /** Names this instance in presence and live routing. Random per process; if set, keep it unique per process (a restart is a new instance). */
  instanceId: env.matching('INSTANCE_ID', randomUUID(), /^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-" (1-64)'),
  ...liveEnvSpec,
  ...channelEnvSpec,
  ...retentionEnvSpec,
};

export type NotificationServiceConfig = ConfigOf<typeof notificationServiceConfigSpec>;

export function readNotificationServiceConfig(source: Source = process.env): NotificationServiceConfig {
  return loadConfig(notificationServiceConfigSpec, source);
}
