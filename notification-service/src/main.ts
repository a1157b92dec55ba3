import { Redis } from 'ioredis';
import { AmqpEventBus, closeOnSignals, createLogger, createMetricsRegistry, createPgPool, readPem, TokenVerifier } from '@herald/platform';
import { RedisLiveTransport } from './adapters/redis-live-transport.js';
import { RedisPresence } from './adapters/redis-presence.js';
import { RedisPaceStore } from './adapters/redis-pace-store.js';
import { readNotificationServiceConfig } from './config.js';
import { retentionSettings } from './retention.js';
import { liveOptionsFromConfig } from './live/index.js';
import { createNotificationService, SERVICE_NAME } from './service.js';

// Standalone runtime against real PostgreSQL, RabbitMQ and Redis (the embedded mode composes the service itself).
const config = readNotificationServiceConfig();
const logger = createLogger(SERVICE_NAME).child({ instanceId: config.instanceId });
const registry = createMetricsRegistry(SERVICE_NAME);
const pool = createPgPool(config.databaseUrl, { applicationName: SERVICE_NAME, onIdleError: (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection lost') });
// The decide step's prepared reads (preferences, mutes: adapters/pg-prepared.ts) run on their own
// few connections, set to always use the generic plan: PostgreSQL otherwise keeps re-planning them,
// because a plan made for a one-element array always looks cheaper than the plan for any array.
const readPool = createPgPool(config.databaseUrl, {
  max: config.databaseReadPoolSize,
  applicationName: `${SERVICE_NAME} reads`,
  options: '-c plan_cache_mode=force_generic_plan',
  onIdleError: (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection lost'),
});
const amqp = { url: config.amqpUrl, logger, registry };
const bus = await AmqpEventBus.connect({ ...amqp, exchange: config.amqpExchange, connectionName: `${SERVICE_NAME} events` });
const workBus = await AmqpEventBus.connect({ ...amqp, exchange: config.amqpWorkExchange, connectionName: `${SERVICE_NAME} work` });
const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
await redis.connect();

const service = await createNotificationService({
  logger,
  registry,
  pool,
  readPool,
  schema: config.databaseSchema,
  bus,
  workBus,
  verifier: new TokenVerifier(readPem(config.jwtPublicKey)),
  sendApiKeys: config.sendApiKeys,
  listen: true,
  queuePrefix: config.amqpQueuePrefix,
  chunkSize: config.chunkSize,
  groupWindowMs: config.groupWindowMs,
  instanceId: config.instanceId,
  presence: new RedisPresence({ redis, prefix: config.redisPrefix, ttlMs: config.presenceTtlMs }),
  transport: new RedisLiveTransport({ redis, prefix: config.redisPrefix, logger }),
  liveOptions: liveOptionsFromConfig(config),
  redis,
  // Providers' rate limits are per account, so every instance reserves its slots in one place.
  paceStore: new RedisPaceStore({ redis, prefix: config.redisPrefix }),
  channels: { ...config, captureUnconfigured: false },
  retention: retentionSettings(config),
});
closeOnSignals(logger, [() => pool.end(), () => readPool.end(), () => redis.quit(), () => bus.close(), () => workBus.close(), () => service.close()]);
await service.start({ port: config.port, host: config.host });
logger.info({ port: config.port, host: config.host }, 'notification-service listening');
