import type { Redis } from 'ioredis';
import type { Presence } from '../domain/ports.js';
import { DEFAULT_PRESENCE_TTL_MS } from '../live/options.js';

export interface RedisPresenceOptions {
  redis: Redis;
  /** Key prefix, e.g. `herald:`; keys are `<prefix>presence:<userId>`. */
  prefix: string;
  /** How long a registration lasts unless refreshed. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Which instances hold a user's sockets: the sorted set `<prefix>presence:<userId>`, member =
 * instance id, score = the member's expiry in ms. Readers take only members whose expiry is still
 * ahead, so a killed instance's entries stop counting the moment they expire, and the key carries a
 * TTL no earlier than its latest member's expiry, so a user whose every instance died leaves nothing
 * behind. Each call is one pipeline: one round trip for a chunk of 1,000 users.
 *
 * Scores come from each instance's clock: instances must keep their clocks in sync (NTP) to well
 * under the expiry, which is seconds.
 */
export class RedisPresence implements Presence {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: RedisPresenceOptions) {
    this.redis = options.redis;
    this.prefix = `${options.prefix}presence:`;
    this.ttlMs = options.ttlMs ?? DEFAULT_PRESENCE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  key(userId: string): string {
    return this.prefix + userId;
  }

  /** `<prefix>sessions:<userId>`: field = instance id, value = `<count>|<expiry ms>`. */
  countsKey(userId: string): string {
    return `${this.prefix.slice(0, -'presence:'.length)}sessions:${userId}`;
  }

  async setSessionCounts(instanceId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    const expiresAt = this.now() + this.ttlMs;
    const pipeline = this.redis.pipeline();
    for (const [userId, count] of counts) {
      const key = this.countsKey(userId);
      if (count <= 0) {
        pipeline.hdel(key, instanceId);
        continue;
      }
      pipeline.hset(key, instanceId, `${count}|${expiresAt}`);
      pipeline.pexpire(key, this.ttlMs, 'NX');
      pipeline.pexpire(key, this.ttlMs, 'GT');
    }
    await execOrThrow(pipeline);
  }

  async sessionsElsewhere(userId: string, instanceId: string): Promise<number> {
    const fields = await this.redis.hgetall(this.countsKey(userId));
    const now = this.now();
    let total = 0;
    for (const [instance, value] of Object.entries(fields)) {
      if (instance === instanceId) continue;
      const [count, expiresAt] = value.split('|').map(Number);
      if (Number.isFinite(count) && Number.isFinite(expiresAt) && expiresAt! > now) total += count!;
    }
    return total;
  }

  async register(instanceId: string, userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const now = this.now();
    const unique = [...new Set(userIds)];
    const pipeline = this.redis.pipeline();
    for (const userId of unique) {
      const key = this.key(userId);
      // Members of instances that died are dropped first (so a set never collects them), this
      // instance's own expired one included: ZADD then answers 1 when the entry was missing or stale.
      pipeline.zremrangebyscore(key, '-inf', now);
      pipeline.zadd(key, now + this.ttlMs, instanceId);
      // NX gives a new key its TTL; GT only ever extends it, so an instance with a shorter expiry
      // cannot cut short another instance's entry.
      pipeline.pexpire(key, this.ttlMs, 'NX');
      pipeline.pexpire(key, this.ttlMs, 'GT');
    }
    const results = await execOrThrow(pipeline);
    return unique.filter((_, index) => results[index * 4 + 1] === 1);
  }

  async unregister(instanceId: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const userId of new Set(userIds)) pipeline.zrem(this.key(userId), instanceId);
    await execOrThrow(pipeline);
  }

  async instancesFor(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const unique = [...new Set(userIds)];
    const out = new Map<string, string[]>();
    if (unique.length === 0) return out;
    const pipeline = this.redis.pipeline();
    const min = `(${this.now()}`;
    for (const userId of unique) pipeline.zrangebyscore(this.key(userId), min, '+inf');
    const results = await execOrThrow(pipeline);
    unique.forEach((userId, index) => {
      const instances = results[index] as string[];
      if (instances.length > 0) out.set(userId, instances);
    });
    return out;
  }
}

type Pipeline = ReturnType<Redis['pipeline']>;

async function execOrThrow(pipeline: Pipeline): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
