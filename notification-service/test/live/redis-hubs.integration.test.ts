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
import { countFrame, newUserId, notification, notificationFrame } from './support/builders.js';
import { MemoryInbox } from './support/memory-inbox.js';
import { startLiveServer, testTokens, type LiveServer } from './support/live-server.js';
import { TestClient } from './support/test-client.js';

// Two instances = two fastify servers on two ports, sharing the REAL Redis for presence and
// pub/sub (and one inbox, as they would share one database). One per-run key prefix, removed after.
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:hubs:${randomUUID()}:`;
const tokens = testTokens();
const inbox = new MemoryInbox();
const connections: Redis[] = [];
const clients: TestClient[] = [];
let a: LiveServer;
let b: LiveServer;

async function instance(instanceId: string): Promise<LiveServer> {
  const redis = new Redis(redisUrl);
  connections.push(redis);
  return startLiveServer({
    verifier: tokens.verifier,
    instanceId,
    inbox,
    presence: new RedisPresence({ redis, prefix }),
    transport: new RedisLiveTransport({ redis, prefix, logger: createLogger('test', 'silent') }),
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
  await Promise.all([a.close(), b.close()]);
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
