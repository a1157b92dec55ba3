import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '@herald/platform';
import { RedisLiveTransport } from '../../src/adapters/redis-live-transport.js';
import type { AddressedFrame } from '../../src/domain/ports.js';
import { BROADCAST, type ResyncRequest } from '../../src/live/transport.js';
import { countFrame, newUserId, notification, notificationFrame } from './support/builders.js';
import { TcpProxy, waitFor } from '@herald/platform/testing';

// Real Redis pub/sub; channels carry a per-run prefix so parallel runs never hear each other.
const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(url);
const prefix = `test:transport:${randomUUID()}:`;
const transport = new RedisLiveTransport({ redis, prefix, logger: createLogger('test', 'silent') });

afterAll(async () => {
  await redis.quit();
});


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
      await waitFor(() => toA.length === 1 && raw.length === 1, 'the batch');
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
      await waitFor(() => received.length > 0, 'the good batch');
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

describe('RedisLiveTransport: resync requests and connection state', () => {
  it('tells whether anyone heard a publish', async () => {
    expect(await transport.publish('nobody-here', [countFrame(newUserId(), 1)])).toBe(false);
    const stop = await transport.subscribe('f', () => undefined);
    try {
      expect(await transport.publish('f', [countFrame(newUserId(), 1)])).toBe(true);
    } finally {
      await stop();
    }
  });

  it('carries resync requests to one instance, or as a broadcast to every instance; malformed ones are ignored', async () => {
    const got: Record<string, ResyncRequest[]> = { g: [], h: [] };
    const frames: AddressedFrame[][] = [];
    const stops = await Promise.all(
      ['g', 'h'].map((id) => transport.subscribe(id, { frames: (f) => frames.push(f), resync: (r) => got[id]!.push(r) })),
    );
    try {
      const after = notification().id;
      const userId = newUserId();
      await redis.publish(transport.channel('g'), JSON.stringify({ v: 1, resync: true, from: 'x', after: 'not-an-id' }));
      await redis.publish(transport.broadcastChannel, JSON.stringify({ v: 1, frames: [countFrame(userId, 1)] }));
      expect(await transport.publishResync('g', { from: 'x', users: [userId], after })).toBe(true);
      expect(await transport.publishResync(BROADCAST, { from: 'x' })).toBe(true);
      await waitFor(() => got.g!.length === 2 && got.h!.length === 1, 'the requests');
      await sleep(50);
      expect(got).toEqual({ g: [{ from: 'x', users: [userId], after }, { from: 'x' }], h: [{ from: 'x' }] });
      // Frames are only taken from an instance's own channel.
      expect(frames).toEqual([]);
    } finally {
      await Promise.all(stops.map((stop) => stop()));
    }
  });

  it('reports the subscriber down when its connection drops, and up once resubscribed; then delivers again', async () => {
    const proxy = await TcpProxy.start(Number(new URL(url).port || 6379));
    const proxied = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 2 });
    proxied.on('error', () => undefined);
    const via = new RedisLiveTransport({ redis: proxied, prefix, logger: createLogger('test', 'silent') });
    const events: string[] = [];
    let subscribed: Promise<void> | undefined;
    const received: AddressedFrame[][] = [];
    const stop = await via.subscribe('i', {
      frames: (f) => received.push(f),
      down: () => events.push('down'),
      up: (s) => {
        events.push('up');
        subscribed = s;
      },
    });
    try {
      proxy.cut();
      await waitFor(() => events.length === 1, 'down');
      // Published meanwhile: lost (pub/sub keeps nothing), which is why the hub catches up on 'up'.
      expect(await transport.publish('i', [countFrame(newUserId(), 1)])).toBe(false);
      proxy.restore();
      await waitFor(() => subscribed !== undefined, 'up');
      await subscribed;
      expect(events).toEqual(['down', 'up']);
      const batch = [countFrame(newUserId(), 2)];
      expect(await transport.publish('i', batch)).toBe(true);
      await waitFor(() => received.length === 1, 'the batch');
      expect(received).toEqual([batch]);
    } finally {
      await stop();
      proxied.disconnect();
      await proxy.close();
    }
  });

  it('reconnects a subscriber whose connection hangs without closing', async () => {
    const proxy = await TcpProxy.start(Number(new URL(url).port || 6379));
    const proxied = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 2 });
    proxied.on('error', () => undefined);
    const via = new RedisLiveTransport({ redis: proxied, prefix, logger: createLogger('test', 'silent'), healthCheckMs: 100 });
    const events: string[] = [];
    const stop = await via.subscribe('j', { frames: () => undefined, down: (since) => events.push(`down since ${since}`), up: () => events.push('up') });
    try {
      const frozenAt = Date.now();
      proxy.freeze();
      // ioredis ends the hung connection gracefully, then destroys it after its disconnectTimeout (2 s).
      await waitFor(() => events.length === 2, 'down, then up on a new connection', 10_000);
      // Found hung, so it says since when messages may have been lost: its last answer before the freeze.
      expect(events).toEqual([expect.stringMatching(/^down since \d+$/), 'up']);
      expect(Number(events[0]!.split(' ').pop())).toBeLessThanOrEqual(frozenAt);
    } finally {
      await stop();
      proxied.disconnect();
      await proxy.close();
    }
  });

  it('refuses to queue a publish while its connection is down, so no frame arrives late', async () => {
    const proxy = await TcpProxy.start(Number(new URL(url).port || 6379));
    const proxied = new Redis({ host: '127.0.0.1', port: proxy.port });
    proxied.on('error', () => undefined);
    const via = new RedisLiveTransport({ redis: proxied, prefix, logger: createLogger('test', 'silent') });
    try {
      await via.probe();
      proxy.cut();
      await waitFor(() => proxied.status !== 'ready', 'the drop');
      await expect(via.publish('k', [countFrame(newUserId(), 1)])).rejects.toThrow(/redis connection is/);
      await expect(via.probe()).rejects.toThrow(/redis connection is/);
    } finally {
      proxied.disconnect();
      await proxy.close();
    }
  });
});
