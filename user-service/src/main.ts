// Standalone runtime against real PostgreSQL and RabbitMQ: `npm run start:user-service`.
import { AmqpEventBus, TokenSigner, TokenVerifier, createLogger, createMetricsRegistry, createPgPool, runService } from '@herald/platform';
import { loadUserServiceConfig } from './config.js';
import { ADDRESS_BOUNCES_QUEUE } from './adapters/address-bounced-consumer.js';
import { createUserService } from './service.js';

const SERVICE_NAME = 'user-service';

await runService({
  name: SERVICE_NAME,
  config: () => loadUserServiceConfig(process.env, { standalone: true }),
  logger: () => createLogger(SERVICE_NAME),
  async start(config, logger, close) {
    const registry = createMetricsRegistry(SERVICE_NAME);
    // A dropped idle connection is routine during a failover: logged, and the pool reconnects on demand.
    const pool = createPgPool(config.databaseUrl!, { applicationName: SERVICE_NAME, onIdleError: (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection lost') });
    close(() => pool.end());
    const bus = await AmqpEventBus.connect({ url: config.amqpUrl!, exchange: config.amqpExchange, logger, registry, connectionName: SERVICE_NAME });
    close(() => bus.close());
    const service = await createUserService({
      logger,
      registry,
      pool,
      schema: config.databaseSchema,
      bus,
      verifier: new TokenVerifier(config.jwtPublicKey!),
      signer: new TokenSigner(config.jwtPrivateKey!, config.accessTokenTtlSeconds),
      listen: true,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      retention: { intervalMs: config.retentionIntervalMs, batchSize: config.retentionBatchSize, sessionsDays: config.retentionSessionsDays, loginFailuresHours: config.retentionLoginFailuresHours },
      bouncesQueue: `${config.amqpQueuePrefix}${ADDRESS_BOUNCES_QUEUE}`,
    });
    // Closed in reverse: HTTP and the relay stop first, then the broker, then the database.
    close(() => service.close());
    await service.start({ port: config.port, host: config.host });
    return { port: config.port, host: config.host };
  },
});
