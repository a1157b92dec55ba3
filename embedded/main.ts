// `npm start`: Herald in one process. Embedded (no servers needed) unless DATABASE_URL, AMQP_URL
// and REDIS_URL are set, in which case each service should run as its own process instead.
import { ConfigError, closeOnSignals, createLogger, env, loadConfig } from '@herald/platform';
import { startHerald } from './herald.js';

const logger = createLogger('herald');
try {
  const realInfra = ['DATABASE_URL', 'AMQP_URL', 'REDIS_URL'].filter((name) => process.env[name]);
  if (realInfra.length > 0) {
    throw new ConfigError([
      `${realInfra.join(', ')} set: \`npm start\` runs the embedded mode only. Unset them, or run each service against ` +
        'real infrastructure with `npm run start:user-service`, `start:post-service`, `start:notification-service` and `start:gateway` (see README.md).',
    ]);
  }
  const config = loadConfig({ port: env.port('PORT', 3000), host: env.string('HOST', '0.0.0.0'), dataDir: env.string('HERALD_DATA_DIR', './.herald') });
  const started = Date.now();
  const herald = await startHerald({ ...config, logger, env: process.env });
  closeOnSignals(logger, [() => herald.close()]);
  logger.info({ url: herald.url, dataDir: config.dataDir, startupMs: Date.now() - started }, 'Herald is running (embedded mode)');
  console.log(
    `\n  Herald is running at ${herald.url}  (API docs: ${herald.url}/docs)\n` +
      `  Send API key (X-API-Key): ${herald.sendApiKey}\n  Data: ${config.dataDir}   Stop: Ctrl+C\n`,
  );
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'Herald failed to start');
  process.exit(1);
}
