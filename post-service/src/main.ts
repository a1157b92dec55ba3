import { AmqpEventBus, closeOnSignals, createLogger, createMetricsRegistry, createPgPool, readPem, TokenVerifier } from '@herald/platform';
import { readPostServiceConfig } from './config.js';
import { createPostService, SERVICE_NAME } from './service.js';

// Standalone runtime against real PostgreSQL and RabbitMQ (the embedded mode composes the service itself).
const config = readPostServiceConfig();
const logger = createLogger(SERVICE_NAME);
const registry = createMetricsRegistry(SERVICE_NAME);
// A dropped idle connection is routine during a failover: logged, and the pool reconnects on demand.
const pool = createPgPool(config.databaseUrl, { applicationName: SERVICE_NAME, onIdleError: (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection lost') });
const bus = await AmqpEventBus.connect({ url: config.amqpUrl, exchange: config.amqpExchange, logger, registry, connectionName: SERVICE_NAME });
const verifier = new TokenVerifier(readPem(config.jwtPublicKey));

const service = await createPostService({ logger, registry, pool, schema: config.databaseSchema, bus, verifier, listen: true, usersQueue: `${config.amqpQueuePrefix}post-service.users` });
closeOnSignals(logger, [() => pool.end(), () => bus.close(), () => service.close()]);
await service.start({ port: config.port, host: config.host });
logger.info({ port: config.port, host: config.host }, 'post-service listening');
