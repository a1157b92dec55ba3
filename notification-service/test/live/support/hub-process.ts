// A notification-service instance's live layer in its own process, on real Redis, so a test can
// kill it with SIGKILL: no close(), no unregister, exactly what a crashed instance leaves behind.
import { Redis } from 'ioredis';
import { TokenVerifier, createLogger } from '@herald/platform';
import { RedisLiveTransport } from '../../../src/adapters/redis-live-transport.js';
import { RedisPresence } from '../../../src/adapters/redis-presence.js';
import { startLiveServer } from './live-server.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const redis = new Redis(env('REDIS_URL'));
const prefix = env('PREFIX');
const server = await startLiveServer({
  verifier: new TokenVerifier(env('JWT_PUBLIC_KEY')),
  instanceId: env('INSTANCE_ID'),
  presence: new RedisPresence({ redis, prefix, ttlMs: Number(env('PRESENCE_TTL_MS')) }),
  transport: new RedisLiveTransport({ redis, prefix, logger: createLogger('child', 'silent') }),
  options: { presenceRefreshMs: Number(env('PRESENCE_REFRESH_MS')) },
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
