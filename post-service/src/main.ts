// Standalone runtime against real PostgreSQL and RabbitMQ (the embedded mode composes the service itself).
import { AmqpEventBus, createLogger, createMetricsRegistry, createPgPool, readPem, runService, TokenVerifier } from '@herald/platform';
import { readPostServiceConfig } from './config.js';
import { createPostService, SERVICE_NAME } from './service.js';

await runService({
  name: SERVICE_NAME,
  config: () => readPostServiceConfig(),
  logger: () => createLogger(SERVICE_NAME),
  async start(config, logger, close) {
    const registry = createMetricsRegistry(SERVICE_NAME);
    // A dropped idle connection is routine during a failover: logged, and the pool reconnects on demand.
    const pool = createPgPool(config.databaseUrl, { applicationName: SERVICE_NAME, onIdleError: (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection lost') });
    close(() => pool.end());
    const bus = await AmqpEventBus.connect({ url: config.amqpUrl, exchange: config.amqpExchange, logger, registry, connectionName: SERVICE_NAME });
    close(() => bus.close());
    const verifier = new TokenVerifier(readPem(config.jwtPublicKey));
    const service = await createPostService({ logger, registry, pool, schema: config.databaseSchema, bus, verifier, listen: true, usersQueue: `${config.amqpQueuePrefix}post-service.users` });
    close(() => service.close());
    await service.start({ port: config.port, host: config.host });
    return { port: config.port, host: config.host };
  },
});
