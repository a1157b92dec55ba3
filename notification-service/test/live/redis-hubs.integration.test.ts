import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@herald/platform';
import { RedisLiveTransport } from '../../src/adapters/redis-live-transport.js';
import { RedisPresence } from '../../src/adapters/redis-presence.js';
import { idBefore } from '../../src/domain/notification-ids.js';
import { countFrame, newUserId, notification, notificationFrame } from './support/builders.js';
import { MemoryInbox } from './support/memory-inbox.js';
import { startLiveServer, testTokens, type LiveServer, type LiveServerOptions } from './support/live-server.js';
import { TestClient } from './support/test-client.js';

// Two instances = two fastify servers on two ports, sharing the REAL Redis for presence and
// pub/sub (and one inbox, as they would share one database). One per-run key prefix, removed after.
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:hubs:${randomUUID()}:`;
const tokens = testTokens();
const inbox = new MemoryInbox();
const connections: Redis[] = [];
const clients: TestClient[] = [];
const onClose: (() => Promise<void>)[] = [];
let a: LiveServer;
let b: LiveServer;

async function instance(instanceId: string, options?: LiveServerOptions['options']): Promise<LiveServer> {
  const redis = new Redis(redisUrl);
  connections.push(redis);
  return startLiveServer({
    verifier: tokens.verifier,
    instanceId,
    inbox,
    presence: new RedisPresence({ redis, prefix }),
    transport: new RedisLiveTransport({ redis, prefix, logger: createLogger('test', 'silent') }),
    ...(options ? { options } : {}),
  });
}

async function connect(server: { url: string }, userId: string): Promise<TestClient> {
  const client = await TestClient.connect(server.url, { token: tokens.tokenFor(userId) });
  clients.push(client);
  await client.next('hello');
  return client;
}

beforeAll(async () => {
  [a, b] = await Promise.all([instance(`a-${randomUUID()}`), instance(`b-${randomUUID()}`)]);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), ...onClose.map((close) => close())]);
  const keys = await connections[0]!.keys(`${prefix}*`);
  if (keys.length) await connections[0]!.del(...keys);
  await Promise.all(connections.map((r) => r.quit()));
});

describe('two instances on real Redis', () => {
  it('a user connected to both receives a frame delivered by either, once per session', async () => {
    const userId = newUserId();
    const [onA, onB] = [await connect(a, userId), await connect(b, userId)];
    const [first, second] = [notification(), notification()];
    expect((await a.hub.deliver([notificationFrame(userId, first)])).online).toEqual(new Set([userId]));
    expect((await b.hub.deliver([notificationFrame(userId, second)])).online).toEqual(new Set([userId]));
    for (const client of [onA, onB]) {
      await client.waitFor(() => client.notificationIds().length === 2, 'both notifications');
    }
    await sleep(50);
    expect(onA.notificationIds().sort()).toEqual([first.id, second.id].sort());
    expect(onB.notificationIds().sort()).toEqual([first.id, second.id].sort());
  });

  it('routes a frame to the only instance holding the user, and a read there updates the other instance', async () => {
    const userId = newUserId();
    const item = inbox.add(userId, notification());
    const onB = await connect(b, userId);
    const n = notification();
    expect((await a.hub.deliver([notificationFrame(userId, n), countFrame(newUserId(), 1)])).online).toEqual(new Set([userId]));
    expect((await onB.next('notification')).notification).toEqual(n);

    const onA = await connect(a, userId);
    onA.send({ type: 'read', ids: [item.id] });
    expect(await onB.next('unread_count')).toEqual({ type: 'unread_count', count: 0 });
    expect(await onA.next('unread_count')).toEqual({ type: 'unread_count', count: 0 });
  });

  it('presence keys lost (a Redis restart or FLUSHALL): sockets catch up what could not be routed to them, once and in order', async () => {
    const refreshing = await instance(`r-${randomUUID()}`, { presenceRefreshMs: 300 });
    try {
      const userId = newUserId();
      const client = await connect(refreshing, userId);
      const before = inbox.add(userId, notification());
      await a.hub.deliver([notificationFrame(userId, before)]);
      await client.waitFor(() => client.notificationIds().length === 1, 'the first notification');

      const presence = new RedisPresence({ redis: connections[0]!, prefix });
      await connections[0]!.del(presence.key(userId));
      const lost = inbox.add(userId, notification());
      // Nobody is registered for the user now: the frame goes nowhere.
      expect((await a.hub.deliver([notificationFrame(userId, lost)])).online.size).toBe(0);

      // The next refresh finds the entry gone, re-registers it and catches the socket up.
      await client.waitFor(() => client.notificationIds().length === 2, 'the lost notification, caught up');
      expect(await client.next('unread_count')).toEqual({ type: 'unread_count', count: 2 });
      expect((await presence.instancesFor([userId])).get(userId)).toEqual([refreshing.hub.stats().instanceId]);
      const after = inbox.add(userId, notification());
      await a.hub.deliver([notificationFrame(userId, after)]);
      await client.waitFor(() => client.notificationIds().length === 3, 'the next live one');
      await sleep(700);
      expect(client.notificationIds()).toEqual([before.id, lost.id, after.id]);
      expect(refreshing.registry.getSingleMetric('live_resyncs_total')).toBeDefined();
      const resyncs = await refreshing.registry.getSingleMetricAsString('live_resyncs_total');
      expect(resyncs).toMatch(/reason="presence_lost"} [1-9]/);
    } finally {
      await refreshing.close();
    }
  });

  it('catchUpUsers: sockets on every instance page what was written but never pushed, skipping what they already had', async () => {
    // On `short`, the window after opening in which every id sent is remembered is 1 ms: only the
    // always-kept recent ids stop the catch-up from repeating `pushed`.
    const short = await instance(`s-${randomUUID()}`, { dedupWindowMs: 1 });
    onClose.push(() => short.close());
    const userId = newUserId();
    const [onA, onB] = [await connect(a, userId), await connect(short, userId)];
    const pushed = inbox.add(userId, notification());
    await a.hub.deliver([notificationFrame(userId, pushed)]);
    for (const client of [onA, onB]) await client.waitFor(() => client.notificationIds().length === 1, 'the pushed one');
    // Written, then the writer died before pushing it.
    const unpushed = inbox.add(userId, notification());
    await a.hub.catchUpUsers([userId], idBefore(pushed.id));
    for (const client of [onA, onB]) {
      await client.waitFor(() => client.notificationIds().length === 2, 'the unpushed one');
      expect(await client.next('unread_count')).toEqual({ type: 'unread_count', count: 2 });
    }
    await sleep(200);
    expect(onA.notificationIds()).toEqual([pushed.id, unpushed.id]);
    expect(onB.notificationIds()).toEqual([pushed.id, unpushed.id]);
  });

  it('forgets a killed instance by itself once its presence entries expire', async () => {
    const instanceId = `child-${randomUUID()}`;
    const ttlMs = 1_000;
    const child = await spawnHub({ instanceId, ttlMs, refreshMs: 200 });
    try {
      const userId = newUserId();
      const client = await connect(child, userId);
      const presence = new RedisPresence({ redis: connections[0]!, prefix });
      expect((await presence.instancesFor([userId])).get(userId)).toEqual([instanceId]);
      // Alive and refreshing: still present after its expiry, and reachable through pub/sub.
      await sleep(ttlMs + 200);
      expect((await a.hub.deliver([countFrame(userId, 5)])).online).toEqual(new Set([userId]));
      expect(await client.next('unread_count')).toEqual({ type: 'unread_count', count: 5 });

      child.process.kill('SIGKILL');
      await client.closed;
      expect((await presence.instancesFor([userId])).get(userId)).toEqual([instanceId]);
      await sleep(ttlMs + 200);
      expect((await presence.instancesFor([userId])).has(userId)).toBe(false);
      expect((await a.hub.deliver([countFrame(userId, 6)])).online.size).toBe(0);
      expect(await connections[0]!.exists(presence.key(userId))).toBe(0);
    } finally {
      child.process.kill('SIGKILL');
    }
  });
});

const HUB_PROCESS = fileURLToPath(new URL('./support/hub-process.ts', import.meta.url));

async function spawnHub(opts: { instanceId: string; ttlMs: number; refreshMs: number }): Promise<{ url: string; process: ChildProcess }> {
  // node itself (not the tsx wrapper, which runs the script in a grandchild) so SIGKILL hits the hub.
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', HUB_PROCESS], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PREFIX: prefix,
      INSTANCE_ID: opts.instanceId,
      JWT_PUBLIC_KEY: tokens.keys.publicKey,
      PRESENCE_TTL_MS: String(opts.ttlMs),
      PRESENCE_REFRESH_MS: String(opts.refreshMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`hub process exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, process: child };
}
