// Standalone runtime against real PostgreSQL, RabbitMQ and Redis (the embedded mode composes the service itself).
import { Redis } from 'ioredis';
import { AmqpEventBus, createLogger, createMetricsRegistry, createPgPool, readPem, runService, TokenVerifier } from '@herald/platform';
import { RedisLiveTransport } from './adapters/redis-live-transport.js';
import { RedisPresence } from './adapters/redis-presence.js';
import { RedisPaceStore } from './adapters/redis-pace-store.js';
import { readNotificationServiceConfig } from './config.js';
import { retentionSettings } from './retention.js';
import { liveOptionsFromConfig } from './live/index.js';
import { createNotificationService, SERVICE_NAME } from './service.js';

await runService({
  name: SERVICE_NAME,
  config: () => readNotificationServiceConfig(),
  logger: (config) => createLogger(SERVICE_NAME).child({ instanceId: config.instanceId }),
  async start(config, logger, close) {
    const registry = createMetricsRegistry(SERVICE_NAME);
    const onIdleError = (err: Error) => logger.warn({ err: err.message }, 'idle PostgreSQL connection lost');
    const pool = createPgPool(config.databaseUrl, { applicationName: SERVICE_NAME, onIdleError });
    close(() => pool.end());
    // The decide step's prepared reads (preferences, mutes: adapters/pg-prepared.ts) run on their own
    // few connections, set to always use the generic plan: PostgreSQL otherwise keeps re-planning them,
    // because a plan made for a one-element array always looks cheaper than the plan for any array.
    const readPool = createPgPool(config.databaseUrl, {
      max: config.databaseReadPoolSize,
      applicationName: `${SERVICE_NAME} reads`,
      options: '-c plan_cache_mode=force_generic_plan',
      onIdleError,
    });
    close(() => readPool.end());
    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    close(() => redis.quit());
    await redis.connect();
    const amqp = { url: config.amqpUrl, logger, registry };
    const bus = await AmqpEventBus.connect({ ...amqp, exchange: config.amqpExchange, connectionName: `${SERVICE_NAME} events` });
    close(() => bus.close());
    const workBus = await AmqpEventBus.connect({ ...amqp, exchange: config.amqpWorkExchange, connectionName: `${SERVICE_NAME} work` });
    close(() => workBus.close());

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
    close(() => service.close());
    await service.start({ port: config.port, host: config.host });
    return { port: config.port, host: config.host };
  },
});
