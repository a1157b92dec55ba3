// The standalone gateway: configuration from the environment, Redis when REDIS_URL is set.
import { Redis } from 'ioredis';
import { createLogger, createMetricsRegistry, runService, TokenVerifier } from '@herald/platform';
import { publicKeyOf, readGatewayConfig } from './config.js';
import { createGateway } from './gateway.js';

await runService({
  name: 'gateway',
  // The key is resolved with the configuration, so a missing one stops start-up before anything opens.
  config: () => {
    const config = readGatewayConfig();
    return { ...config, publicKey: publicKeyOf(config) };
  },
  logger: () => createLogger('gateway'),
  async start(config, logger, close) {
    // A slow or absent Redis may cost a request half a second at most: the limiter then fails open.
    const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 500 }) : undefined;
    redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
    close(() => redis?.quit());
    const gateway = await createGateway({
      config,
      logger,
      registry: createMetricsRegistry('gateway'),
      verifier: new TokenVerifier(config.publicKey),
      redis,
    });
    // Closed in reverse: stop taking requests first, then let go of Redis.
    close(() => gateway.close());
    await gateway.start({ port: config.port, host: config.host });
    return { port: config.port, host: config.host };
  },
});
