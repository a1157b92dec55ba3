import { Redis } from 'ioredis';
import { ConfigError, closeOnSignals, createLogger, createMetricsRegistry, TokenVerifier } from '@herald/platform';
import { publicKeyOf, readGatewayConfig } from './config.js';
import { createGateway } from './gateway.js';

// The standalone gateway: configuration from the environment, Redis when REDIS_URL is set.
const logger = createLogger('gateway');
try {
  const config = readGatewayConfig();
  // A slow or absent Redis may cost a request half a second at most: the limiter then fails open.
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 500 }) : undefined;
  redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const gateway = await createGateway({
    config,
    logger,
    registry: createMetricsRegistry('gateway'),
    verifier: new TokenVerifier(publicKeyOf(config)),
    redis,
  });
  // Closed in reverse: stop taking requests first, then let go of Redis.
  closeOnSignals(logger, [() => redis?.quit(), () => gateway.close()]);
  await gateway.start({ port: config.port, host: config.host });
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'gateway failed to start');
  process.exit(1);
}
