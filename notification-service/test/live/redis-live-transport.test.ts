import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '@herald/platform';
import { RedisLiveTransport } from '../../src/adapters/redis-live-transport.js';
import type { AddressedFrame } from '../../src/domain/ports.js';
import { countFrame, newUserId, notificationFrame } from './support/builders.js';

// Real Redis pub/sub; channels carry a per-run prefix so parallel runs never hear each other.
const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(url);
const prefix = `test:transport:${randomUUID()}:`;
const transport = new RedisLiveTransport({ redis, prefix, logger: createLogger('test', 'silent') });

afterAll(async () => {
  await redis.quit();
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(20);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('RedisLiveTransport', () => {
  it('delivers a batch to the subscribed instance only, in order, as one PUBLISH on <prefix>live:<instanceId>', async () => {
    const toA: AddressedFrame[][] = [];
    const toB: AddressedFrame[][] = [];
    const stopA = await transport.subscribe('a', (frames) => toA.push(frames));
    const stopB = await transport.subscribe('b', (frames) => toB.push(frames));
    const spy = new Redis(url);
    const raw: string[] = [];
    spy.on('message', (_channel, message: string) => raw.push(message));
    await spy.subscribe(`${prefix}live:a`);
    try {
      const userId = newUserId();
      const batch = [notificationFrame(userId), countFrame(userId, 2), notificationFrame(newUserId())];
      await transport.publish('a', batch);
      await until(() => toA.length === 1 && raw.length === 1, 'the batch');
      expect(toA).toEqual([batch]);
      expect(raw).toHaveLength(1);
      await sleep(50);
      expect(toB).toEqual([]);
    } finally {
      await Promise.all([stopA(), stopB(), spy.quit()]);
    }
  });

  it('ignores malformed messages and keeps delivering the good ones', async () => {
    const received: AddressedFrame[][] = [];
    const stop = await transport.subscribe('c', (frames) => received.push(frames));
    try {
      const channel = transport.channel('c');
      for (const junk of ['not json', '{"v":2,"frames":[]}', '{"v":1,"frames":[{"userId":1}]}', '[]']) await redis.publish(channel, junk);
      const good = [countFrame(newUserId(), 1)];
      await transport.publish('c', good);
      await until(() => received.length > 0, 'the good batch');
      await sleep(50);
      expect(received).toEqual([good]);
    } finally {
      await stop();
    }
  });

  it('stops delivering and leaves the channel once unsubscribed', async () => {
    const received: AddressedFrame[][] = [];
    const stop = await transport.subscribe('d', (frames) => received.push(frames));
    await stop();
    await transport.publish('d', [countFrame(newUserId(), 1)]);
    await sleep(50);
    expect(received).toEqual([]);
    expect(await redis.pubsub('NUMSUB', transport.channel('d'))).toEqual([transport.channel('d'), 0]);
  });
});
