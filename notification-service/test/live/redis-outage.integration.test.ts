import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@herald/platform';
import { RedisLiveTransport } from '../../src/adapters/redis-live-transport.js';
import { RedisPresence } from '../../src/adapters/redis-presence.js';
import { countFrame, newUserId, notification, notificationFrame } from './support/builders.js';
import { MemoryInbox } from './support/memory-inbox.js';
import { labelledMetric, metric, startLiveServer, testTokens, type LiveServer } from './support/live-server.js';
import { TestClient } from './support/test-client.js';
import { TcpProxy, waitFor } from '@herald/platform/testing';

// Two instances on the REAL Redis (one inbox, as they would share one database). Some of their
// connections go through a TCP proxy that the test cuts: Redis vanishes for them, and only them.
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:outage:${randomUUID()}:`;
const tokens = testTokens();
const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
const admin = new Redis(redisUrl);
const servers: LiveServer[] = [];
const connections: Redis[] = [];
const sockets: TestClient[] = [];
let proxy: TcpProxy;

beforeAll(async () => {
  const { hostname, port } = new URL(redisUrl);
  proxy = await TcpProxy.start(Number(port || 6379), hostname);
});
afterEach(async () => {
  proxy.restore();
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(connections.splice(0).map((r) => r.quit().catch(() => r.disconnect())));
});
afterAll(async () => {
  await proxy.close();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  await admin.quit();
});

type Route = 'proxy' | 'direct';

/** main.ts's settings: a command waits through at most two reconnects, then fails. */
function connection(route: Route, options: RedisOptions = {}): Redis {
  const settings = { maxRetriesPerRequest: 2, ...options };
  const redis = route === 'proxy' ? new Redis({ host: '127.0.0.1', port: proxy.port, ...settings }) : new Redis(redisUrl, settings);
  redis.on('error', () => undefined);
  connections.push(redis);
  return redis;
}

async function instance(name: string, inbox: MemoryInbox, routes: { presence: Route; transport: Route }): Promise<LiveServer> {
  const presence = connection(routes.presence);
  const transport = routes.transport === routes.presence ? presence : connection(routes.transport);
  const server = await startLiveServer({
    verifier: tokens.verifier,
    instanceId: `${name}-${randomUUID()}`,
    inbox,
    presence: new RedisPresence({ redis: presence, prefix }),
    transport: new RedisLiveTransport({ redis: transport, prefix, logger, healthCheckMs: 1_000 }),
  });
  servers.push(server);
  return server;
}

/** Users with sockets on `server` (the first one with two), and the ids each must end up with. */
async function audience(server: LiveServer, users: number) {
  const expected = new Map<string, string[]>();
  const clients: { userId: string; client: TestClient }[] = [];
  for (let i = 0; i < users; i++) {
    const userId = newUserId();
    expected.set(userId, []);
    for (let k = 0; k < (i === 0 ? 2 : 1); k++) {
      const client = await TestClient.connect(server.url, { token: tokens.tokenFor(userId) });
      sockets.push(client);
      await client.next('hello');
      clients.push({ userId, client });
    }
  }
  return { expected, clients };
}

/** The pipeline's order: commit to the inbox, then deliver live; one new notification per user. */
async function deliverRound(from: LiveServer, inbox: MemoryInbox, expected: Map<string, string[]>): Promise<void> {
  await Promise.all(
    [...expected].map(async ([userId, ids]) => {
      const n = inbox.add(userId, notification());
      ids.push(n.id);
      await from.hub.deliver([notificationFrame(userId, n), countFrame(userId, ids.length)]);
    }),
  );
}


const quiet = (server: LiveServer): boolean => {
  const stats = server.hub.stats();
  return !stats.redisTrouble && stats.resyncsOwed === 0 && stats.catchUps === 0;
};

const counted = (server: LiveServer, name: string, labels: Record<string, string>) => labelledMetric(server.registry, name, labels);

/**
 * Waits until neither instance has anything left to catch up or to ask for and every socket has
 * all it should; then one more round, delivered normally: once that arrived, nothing sent before it
 * can still be on its way, so what each socket holds is final.
 */
async function settle(a: LiveServer, b: LiveServer, inbox: MemoryInbox, audienceOf: Awaited<ReturnType<typeof audience>>) {
  const { expected, clients } = audienceOf;
  const complete = () => clients.every(({ userId, client }) => client.notificationIds().length >= expected.get(userId)!.length);
  await waitFor(() => quiet(a) && quiet(b) && complete(), 'both instances quiet and every socket complete');
  await deliverRound(a, inbox, expected);
  await waitFor(complete, 'the final round');
  for (const { userId, client } of clients) {
    expect(client.notificationIds()).toEqual(expected.get(userId));
    expect(client.closeEvent).toBeUndefined();
  }
}

describe('live delivery through a Redis outage', { timeout: 60_000 }, () => {
  it('every socket of B gets every notification A delivered while all Redis connections were cut: in order, once, without reconnecting', async () => {
    const inbox = new MemoryInbox();
    const a = await instance('a', inbox, { presence: 'proxy', transport: 'proxy' });
    const b = await instance('b', inbox, { presence: 'proxy', transport: 'proxy' });
    const onB = await audience(b, 6);
    await deliverRound(a, inbox, onB.expected);
    await waitFor(() => onB.clients.every(({ client }) => client.notificationIds().length === 1), 'the first round');

    proxy.cut();
    const cutAt = Date.now();
    await waitFor(async () => (await counted(a, 'live_redis_failures_total', { op: 'subscriber' })) >= 1, 'A to notice');
    await waitFor(async () => (await counted(b, 'live_redis_failures_total', { op: 'subscriber' })) >= 1, 'B to notice');
    // A few seconds of outage, A delivering all along (each lookup gives up within 2 s).
    for (let round = 0; round < 3 || Date.now() - cutAt < 4_000; round++) await deliverRound(a, inbox, onB.expected);
    expect(await counted(a, 'live_redis_failures_total', { op: 'presence' })).toBeGreaterThanOrEqual(1);
    // Nothing crossed over while cut: this is the loss the instances must make good.
    expect(onB.clients.map(({ client }) => client.notificationIds().length)).toEqual(onB.clients.map(() => 1));

    proxy.restore();
    // Straight away, racing the reconnection: these frames are published, held or lost, in any order.
    await deliverRound(a, inbox, onB.expected);
    await settle(a, b, inbox, onB);
    expect(await counted(b, 'live_resyncs_total', { reason: 'subscriber_reconnect' })).toBeGreaterThanOrEqual(1);
  });

  it('a PUBLISH that failed makes its target catch those users up once the sender reaches Redis again', async () => {
    const inbox = new MemoryInbox();
    // Only A's pub/sub connections go through the proxy: B never loses Redis, so only A's request can help.
    const a = await instance('a', inbox, { presence: 'direct', transport: 'proxy' });
    const b = await instance('b', inbox, { presence: 'direct', transport: 'direct' });
    const onB = await audience(b, 4);
    await deliverRound(a, inbox, onB.expected);
    await waitFor(() => onB.clients.every(({ client }) => client.notificationIds().length === 1), 'the first round');

    proxy.cut();
    await waitFor(async () => (await counted(a, 'live_redis_failures_total', { op: 'subscriber' })) >= 1, 'A to notice');
    for (let round = 0; round < 3; round++) await deliverRound(a, inbox, onB.expected);
    expect(await counted(a, 'live_redis_failures_total', { op: 'publish' })).toBeGreaterThanOrEqual(1);
    expect(onB.clients.map(({ client }) => client.notificationIds().length)).toEqual(onB.clients.map(() => 1));

    proxy.restore();
    await settle(a, b, inbox, onB);
    expect(await counted(b, 'live_resyncs_total', { reason: 'requested' })).toBeGreaterThanOrEqual(1);
    expect(await counted(b, 'live_resyncs_total', { reason: 'subscriber_reconnect' })).toBe(0);
    expect(await metric(a.registry, 'live_resync_requests_sent_total')).toBeGreaterThanOrEqual(1);
  });

  it('a presence lookup that failed makes every instance catch those users up, while Redis is still half gone', async () => {
    const inbox = new MemoryInbox();
    // A cannot read presence, but can publish: it asks everyone (it cannot tell who holds the users).
    const a = await instance('a', inbox, { presence: 'proxy', transport: 'direct' });
    const b = await instance('b', inbox, { presence: 'direct', transport: 'direct' });
    const onB = await audience(b, 4);
    await deliverRound(a, inbox, onB.expected);
    await waitFor(() => onB.clients.every(({ client }) => client.notificationIds().length === 1), 'the first round');

    proxy.cut();
    for (let round = 0; round < 3; round++) await deliverRound(a, inbox, onB.expected);
    expect(await counted(a, 'live_redis_failures_total', { op: 'presence' })).toBeGreaterThanOrEqual(1);
    // Caught up before Redis is whole again: the requests went out on the connection that works.
    await waitFor(() => onB.clients.every(({ userId, client }) => client.notificationIds().length === onB.expected.get(userId)!.length), 'B caught up during the outage');
    expect(await counted(b, 'live_resyncs_total', { reason: 'requested' })).toBeGreaterThanOrEqual(1);

    proxy.restore();
    await settle(a, b, inbox, onB);
  });
});
