import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

// Fixed window: the first hit starts the window; a key that somehow lost its expiry gets it back
// rather than counting forever.
const INCR_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`;

type ScriptedRedis = Redis & { heraldRateLimit(key: string, windowMs: number): Promise<[number, number]> };

/**
 * A @fastify/rate-limit store on Redis under one key prefix, so every gateway replica counts the
 * same requests. Each limiter builds its own key (`ip:…`, `user:…`, `auth:…`): `child` therefore
 * returns the same store instead of the plugin's per-route key prefix, which is meaningless for
 * limiters made with `createRateLimit`.
 */
export function redisRateLimitStore(redis: Redis, prefix: string, log: FastifyBaseLogger) {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.heraldRateLimit !== 'function') {
    redis.defineCommand('heraldRateLimit', { numberOfKeys: 1, lua: INCR_SCRIPT });
  }
  let lastWarning = 0;
  return class RedisRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      scripted.heraldRateLimit(prefix + key, timeWindow).then(
        ([current, ttl]) => callback(null, { current, ttl }),
        (err: Error) => {
          // Fail open (the plugin's skipOnError): a Redis outage must not take the API down with it.
          if (Date.now() - lastWarning > 10_000) {
            lastWarning = Date.now();
            log.warn({ err }, 'rate-limit store unavailable; requests pass unlimited');
          }
          callback(err);
        },
      );
    }

    child(): RedisRateLimitStore {
      return this;
    }
  };
}
