// Standalone runtime against real PostgreSQL and RabbitMQ: `npm run start:user-service`.
import { AmqpEventBus, TokenSigner, TokenVerifier, closeOnSignals, createLogger, createMetricsRegistry, createPgPool } from '@herald/platform';
import { loadUserServiceConfig } from './config.js';
import { ADDRESS_BOUNCES_QUEUE } from './adapters/address-bounced-consumer.js';
import { createUserService } from './service.js';

const logger = createLogger('user-service');
try {
  const config = loadUserServiceConfig(process.env, { standalone: true });
  const registry = createMetricsRegistry('user-service');
  // A dropped idle connection is routine during a failover: logged, and the pool reconnects on demand.
  const pool = createPgPool(config.databaseUrl!, { applicationName: 'user-service', onIdleError: (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection lost') });
  const bus = await AmqpEventBus.connect({ url: config.amqpUrl!, exchange: config.amqpExchange, logger, registry, connectionName: 'user-service' });
  const verifier = new TokenVerifier(config.jwtPublicKey!);
  const signer = new TokenSigner(config.jwtPrivateKey!, config.accessTokenTtlSeconds);
  const service = await createUserService({ logger, registry, pool, schema: config.databaseSchema, bus, verifier, signer, listen: true, refreshTokenTtlSeconds: config.refreshTokenTtlSeconds, refreshReuseGraceSeconds: config.refreshReuseGraceSeconds, retention: { intervalMs: config.retentionIntervalMs, batchSize: config.retentionBatchSize, sessionsDays: config.retentionSessionsDays, loginFailuresHours: config.retentionLoginFailuresHours }, bouncesQueue: `${config.amqpQueuePrefix}${ADDRESS_BOUNCES_QUEUE}` });
  // Closed in reverse: HTTP and the relay stop first, then the broker, then the database.
  closeOnSignals(logger, [() => pool.end(), () => bus.close(), () => service.close()]);
  await service.start({ port: config.port, host: config.host });
} catch (err) {
  logger.fatal({ err }, 'user-service failed to start');
  process.exit(1);
}
