import type { Redis } from 'ioredis';
import type { PaceAnswer, PaceRequest, PaceStore } from '../domain/provider-pace.js';

/**
 * domain/provider-pace.ts's reserveSlot in one Lua script, so a reservation is atomic across every
 * instance. The time is Redis's own (TIME), not the callers': instances whose clocks disagree still
 * share one pace. The key expires once its slot has passed (plus a second), so an idle provider
 * leaves nothing behind. Redis 5+ replicates a script's effects, which allows TIME before a write.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local maxWait = tonumber(ARGV[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free < now then free = now end
local wait = free - now
if ARGV[3] == '1' then
  wait = 0
elseif wait > maxWait then
  return {0, tostring(wait - maxWait)}
end
local nextFree = free + interval
redis.call('SET', KEYS[1], tostring(nextFree), 'PX', math.ceil(nextFree - now) + 1000)
return {1, tostring(wait), tostring(nextFree)}
`;

export interface RedisPaceStoreOptions {
  redis: Redis;
  /** Key prefix, e.g. `herald:`; keys are `<prefix>pace:<provider>`. */
  prefix: string;
}

export class RedisPaceStore implements PaceStore {
  constructor(private readonly opts: RedisPaceStoreOptions) {}

  async reserve(provider: string, req: PaceRequest): Promise<PaceAnswer> {
    // Numbers travel as strings: Lua numbers returned to Redis are truncated to integers.
    const [go, ms, nextFree] = (await this.opts.redis.eval(RESERVE, 1, `${this.opts.prefix}pace:${provider}`, String(req.intervalMs), String(req.maxWaitMs), req.urgent ? '1' : '0')) as [number, string, string?];
    return go === 1 ? { go: true, waitMs: Number(ms), nextFreeAt: Number(nextFree) } : { go: false, retryAfterMs: Number(ms) };
  }
}
