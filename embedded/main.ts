// `npm start`: Herald in one process. Embedded (no servers needed) unless DATABASE_URL, AMQP_URL
// and REDIS_URL are set, in which case each service should run as its own process instead.
import path from 'node:path';
import { ConfigError, closeOnSignals, createLogger } from '@herald/platform';
import { readEmbeddedConfig } from './config.js';
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
  const config = readEmbeddedConfig(process.env);
  const started = Date.now();
  const herald = await startHerald({ port: config.port, host: config.host, dataDir: config.dataDir, logger, env: process.env });
  closeOnSignals(logger, [() => herald.close()]);
  // Structured logs end up in files and collectors: keys appear there masked only.
  logger.info(
    { url: herald.url, host: herald.address.address, port: herald.address.port, dataDir: config.dataDir, sendApiKeys: herald.sendApiKeysForLog, startupMs: Date.now() - started },
    'Herald is running (embedded mode)',
  );
  // The generated key is shown in full once, to the person starting Herald the first time; later
  // starts point at the file that keeps it. Keys from SEND_API_KEYS are the operator's, never shown.
  const keyFile = path.join(config.dataDir, 'keys', 'send-api-key');
  const keyLine = !herald.sendApiKey
    ? `Send API keys (X-API-Key): from SEND_API_KEYS (${herald.sendApiKeysForLog.map((k) => k.name).join(', ')})`
    : herald.sendApiKeyCreated
      ? `Send API key (X-API-Key): ${herald.sendApiKey}\n  (shown this once; kept in ${keyFile})`
      : `Send API key (X-API-Key): ${herald.sendApiKeysForLog[0]!.key}  (in full: cat ${keyFile})`;
  console.log(`\n  Herald is running at ${herald.url}  (API docs: ${herald.url}/docs)\n  ${keyLine}\n  Data: ${config.dataDir}   Stop: Ctrl+C\n`);
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'Herald failed to start');
  process.exit(1);
}
