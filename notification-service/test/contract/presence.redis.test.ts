import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { RedisPresence } from '../../src/adapters/redis-presence.js';
import { manualClock, presenceContract } from './presence.contract.js';

// Real Redis, one key prefix per file run, every key removed afterwards.
const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `test:presence:${randomUUID()}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

presenceContract('redis', async ({ ttlMs, now }) => new RedisPresence({ redis, prefix, ttlMs, now }));

/** Counts what the adapter writes to the Redis socket: one write is one round trip. */
async function roundTrips(work: () => Promise<unknown>): Promise<number> {
  const stream = (redis as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
  const original = stream.write;
  let writes = 0;
  stream.write = function (this: unknown, ...args: unknown[]) {
    writes++;
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    stream.write = original;
  }
  return writes;
}

describe('RedisPresence specifics', () => {
  it('stores a sorted set per user: member = instance id, score = expiry in ms', async () => {
    const clock = manualClock();
    const presence = new RedisPresence({ redis, prefix, ttlMs: 30_000, now: clock.now });
    const ana = uuidv7();
    await presence.register('i1', [ana]);
    expect(presence.key(ana)).toBe(`${prefix}presence:${ana}`);
    expect(await redis.zrange(presence.key(ana), 0, -1, 'WITHSCORES')).toEqual(['i1', String(clock.now() + 30_000)]);
  });

  it('reads and refreshes 1,000 users in one round trip each', async () => {
    const presence = new RedisPresence({ redis, prefix });
    const users = Array.from({ length: 1_000 }, () => uuidv7());
    expect(await roundTrips(() => presence.register('i1', users))).toBe(1);
    let found = new Map<string, string[]>();
    expect(await roundTrips(async () => (found = await presence.instancesFor(users)))).toBe(1);
    expect(found.size).toBe(1_000);
  });

  it('lets the key of a user whose instances all died vanish by itself', async () => {
    const presence = new RedisPresence({ redis, prefix, ttlMs: 300 });
    const ana = uuidv7();
    await presence.register('i1', [ana]);
    expect(await redis.exists(presence.key(ana))).toBe(1);
    await sleep(450);
    expect(await redis.exists(presence.key(ana))).toBe(0);
  });

  it('never lets an instance with a shorter expiry cut short the key of one with a longer expiry', async () => {
    const ana = uuidv7();
    await new RedisPresence({ redis, prefix, ttlMs: 60_000 }).register('long', [ana]);
    const short = new RedisPresence({ redis, prefix, ttlMs: 300 });
    await short.register('short', [ana]);
    expect(await redis.pttl(short.key(ana))).toBeGreaterThan(30_000);
    await sleep(450);
    expect((await short.instancesFor([ana])).get(ana)).toEqual(['long']);
  });

  it('drops expired members from the set when any instance refreshes it', async () => {
    const clock = manualClock();
    const presence = new RedisPresence({ redis, prefix, ttlMs: 10_000, now: clock.now });
    const ana = uuidv7();
    await presence.register('dead', [ana]);
    clock.advance(11_000);
    await presence.register('alive', [ana]);
    expect(await redis.zrange(presence.key(ana), 0, -1)).toEqual(['alive']);
  });
});
