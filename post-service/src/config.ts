import { env, loadConfig, type ConfigOf } from '@herald/platform';

type Source = Record<string, string | undefined>;

/**
 * post-service's configuration schema: every variable it reads, with its default (README.md,
 * "Configuration"). Every bad or missing value is reported by name at once and stops start-up.
 * JWT_PUBLIC_KEY is a PEM or a path to one, resolved at start (see readPem).
 */
export const postServiceConfigSpec = {
  port: env.port('PORT', 3002),
  host: env.string('HOST', '127.0.0.1'),
  databaseUrl: env.url('DATABASE_URL', ['postgres', 'postgresql']),
  databaseSchema: env.schemaName('DATABASE_SCHEMA', 'posts'),
  amqpUrl: env.url('AMQP_URL', ['amqp', 'amqps']),
  amqpExchange: env.string('AMQP_EXCHANGE', 'herald.events'),
  /** Prefixes every queue name, so deployments (or test runs) sharing a broker never share queues. */
  amqpQueuePrefix: env.string('AMQP_QUEUE_PREFIX', ''),
  jwtPublicKey: env.string('JWT_PUBLIC_KEY'),
};

export type PostServiceConfig = ConfigOf<typeof postServiceConfigSpec>;

export function readPostServiceConfig(source: Source = process.env): PostServiceConfig {
  return loadConfig(postServiceConfigSpec, source);
}
