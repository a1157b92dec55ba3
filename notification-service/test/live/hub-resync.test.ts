import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@herald/platform/testing';
import { MemoryLiveTransport } from '../../src/adapters/memory-live-transport.js';
import { MemoryPresence } from '../../src/adapters/memory-presence.js';
import type { AddressedFrame } from '../../src/domain/ports.js';
import { idBefore } from '../../src/live/catch-up.js';
import type { ResyncRequest } from '../../src/live/transport.js';
import { newUserId, notification, notificationFrame } from './support/builders.js';
import { MemoryInbox } from './support/memory-inbox.js';
import { labelledMetric, metric, startLiveServer, testTokens, type LiveServer } from './support/live-server.js';
import { TestClient } from './support/test-client.js';

// Hubs on memory presence, transport and inbox, sockets injected into fastify: the resync logic
// without Redis. The Redis side is redis-outage.integration.test.ts.
const tokens = testTokens();
const servers: LiveServer[] = [];

/** The in-process transport, with an outage switch (what Redis does to pub/sub, short of Redis). */
class SwitchableTransport extends MemoryLiveTransport {
  down = false;
  override publish(instanceId: string, frames: readonly AddressedFrame[]): Promise<boolean> {
    return this.down ? Promise.reject(new Error('transport down')) : super.publish(instanceId, frames);
  }
  override publishResync(target: string, request: ResyncRequest): Promise<boolean> {
    return this.down ? Promise.reject(new Error('transport down')) : super.publishResync(target, request);
  }
  override probe(): Promise<void> {
    return this.down ? Promise.reject(new Error('transport down')) : super.probe();
  }
}

function world() {
  return { presence: new MemoryPresence(), transport: new SwitchableTransport(), inbox: new MemoryInbox() };
}

async function hub(shared: ReturnType<typeof world>, instanceId?: string): Promise<LiveServer> {
  const server = await startLiveServer({ verifier: tokens.verifier, listen: false, instanceId, ...shared, options: { closeGraceMs: 20 } });
  servers.push(server);
  return server;
}

async function connect(server: LiveServer, userId: string): Promise<TestClient> {
  let client!: TestClient;
  await server.app.injectWS(`/ws?token=${tokens.tokenFor(userId)}`, {}, { onInit: (ws) => (client = new TestClient(ws)) });
  await client.next('hello');
  return client;
}

const idOf = (server: LiveServer) => server.hub.stats().instanceId;

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('server catch-up', () => {
  it('replays to the named users what their sockets were not sent, oldest first, then the unread count', async () => {
    const shared = world();
    const [a, b] = [await hub(shared), await hub(shared)];
    const [userId, bystander] = [newUserId(), newUserId()];
    shared.inbox.add(userId, notification());
    const [client, other] = [await connect(b, userId), await connect(b, bystander)];
    const sent = shared.inbox.add(userId, notification());
    await a.hub.deliver([notificationFrame(userId, sent)]);
    await client.next('notification');
    // Committed, but their frames were lost on the way.
    const lost = [shared.inbox.add(userId, notification()), shared.inbox.add(userId, notification())];

    await shared.transport.publishResync(idOf(b), { from: idOf(a), users: [userId], after: idBefore(lost[0]!.id) });
    expect(await client.next('unread_count')).toEqual({ type: 'unread_count', count: 4 });
    expect(client.notificationIds()).toEqual([sent.id, ...lost.map((n) => n.id)]);
    expect(client.frames.map((f) => f.type)).toEqual(['hello', 'notification', 'notification', 'notification', 'unread_count']);
    expect(await labelledMetric(b.registry, 'live_resyncs_total', { reason: 'requested' })).toBe(1);
    expect(other.frames.map((f) => f.type)).toEqual(['hello']);
  });

  it('gives a socket that was sent nothing only what is newer than its opening', async () => {
    const shared = world();
    const b = await hub(shared);
    const userId = newUserId();
    const before = shared.inbox.add(userId, notification());
    // Its id must be of an earlier millisecond than the socket's opening.
    await sleep(2);
    const client = await connect(b, userId);
    const after = shared.inbox.add(userId, notification());
    await shared.transport.publishResync(idOf(b), { from: 'elsewhere' });
    await client.next('unread_count');
    expect(client.notificationIds()).toEqual([after.id]);
    expect(before.id < after.id).toBe(true);
  });

  it('closes with 4001 (reconnect and resume) when the inbox cannot be read for a catch-up', async () => {
    const shared = world();
    const b = await hub(shared);
    const client = await connect(b, newUserId());
    shared.inbox.failing = true;
    await shared.transport.publishResync(idOf(b), { from: 'elsewhere' });
    expect((await client.closed).code).toBe(4001);
    expect(await metric(b.registry, 'live_resync_closes_total')).toBe(1);
  });

  it('joins a client resume that arrives during a catch-up instead of refusing it', async () => {
    const shared = world();
    const b = await hub(shared);
    const userId = newUserId();
    const known = shared.inbox.add(userId, notification());
    const missed = shared.inbox.add(userId, notification());
    await sleep(2);
    const client = await connect(b, userId);
    shared.inbox.latencyMs = 30;
    await shared.transport.publishResync(idOf(b), { from: 'elsewhere' });
    // The catch-up's query is in flight (30 ms): the resume below arrives during it.
    await client.waitFor(() => shared.inbox.listAfterCalls.length > 0, 'the catch-up query');
    client.send({ type: 'resume', after: known.id });
    await client.next('unread_count');
    expect(client.notificationIds()).toEqual([missed.id]);
    expect(client.frames.filter((f) => f.type === 'error')).toEqual([]);
  });

  it('says hello first to a socket still opening when the request comes, then catches it up', async () => {
    const shared = world();
    const b = await hub(shared);
    const userId = newUserId();
    shared.inbox.latencyMs = 30;
    let client!: TestClient;
    await b.app.injectWS(`/ws?token=${tokens.tokenFor(userId)}`, {}, { onInit: (ws) => (client = new TestClient(ws)) });
    const committed = shared.inbox.add(userId, notification());
    await shared.transport.publishResync(idOf(b), { from: 'elsewhere', users: [userId] });
    await client.next('unread_count');
    expect(client.frames.map((f) => f.type)).toEqual(['hello', 'notification', 'unread_count']);
    expect(client.notificationIds()).toEqual([committed.id]);
  });
});

describe('failed and unheard publishes', () => {
  it('asks the target to catch up once the transport works again', async () => {
    const shared = world();
    const [a, b] = [await hub(shared), await hub(shared)];
    const userId = newUserId();
    const client = await connect(b, userId);
    shared.transport.down = true;
    const lost = shared.inbox.add(userId, notification());
    expect((await a.hub.deliver([notificationFrame(userId, lost)])).online).toEqual(new Set([userId]));
    expect(a.hub.stats()).toMatchObject({ redisTrouble: true, resyncsOwed: 1 });
    expect(await labelledMetric(a.registry, 'live_redis_failures_total', { op: 'publish' })).toBe(1);

    shared.transport.down = false;
    await client.next('notification', 5_000);
    await client.next('unread_count');
    expect(client.notificationIds()).toEqual([lost.id]);
    expect(a.hub.stats()).toMatchObject({ redisTrouble: false, resyncsOwed: 0 });
    expect(await metric(a.registry, 'live_resync_requests_sent_total')).toBe(1);
  });

  it('owes a resync to an instance nobody listens for, and sends it once one does', async () => {
    const shared = world();
    const a = await hub(shared);
    const userId = newUserId();
    await shared.presence.register('late', [userId]);
    await a.hub.deliver([notificationFrame(userId)]);
    expect(a.hub.stats()).toMatchObject({ redisTrouble: false, resyncsOwed: 1 });

    const late = await hub(shared, 'late');
    await waitFor(() => a.hub.stats().resyncsOwed === 0, { what: 'the owed resync sent', timeoutMs: 5_000 });
    expect(await labelledMetric(late.registry, 'live_resyncs_total', { reason: 'requested' })).toBe(1);
  });

  it('asks every instance when the presence lookup fails', async () => {
    const shared = world();
    const [a, b] = [await hub(shared), await hub(shared)];
    const userId = newUserId();
    const client = await connect(b, userId);
    const original = shared.presence.instancesFor.bind(shared.presence);
    shared.presence.instancesFor = () => Promise.reject(new Error('presence down'));
    const lost = shared.inbox.add(userId, notification());
    expect((await a.hub.deliver([notificationFrame(userId, lost)])).online.size).toBe(0);
    shared.presence.instancesFor = original;
    await client.next('notification', 5_000);
    expect(client.notificationIds()).toEqual([lost.id]);
    expect(await labelledMetric(a.registry, 'live_redis_failures_total', { op: 'presence' })).toBe(1);
    expect(await labelledMetric(b.registry, 'live_resyncs_total', { reason: 'requested' })).toBe(1);
  });
});

describe('metrics', () => {
  it('start every label at zero', async () => {
    const a = await hub(world());
    const text = (await a.app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const op of ['publish', 'presence', 'subscriber', 'probe']) expect(text).toContain(`live_redis_failures_total{op="${op}"} 0`);
    for (const reason of ['subscriber_reconnect', 'redis_recovered', 'requested']) expect(text).toContain(`live_resyncs_total{reason="${reason}"} 0`);
    expect(text).toMatch(/^live_resync_requests_sent_total 0$/m);
    expect(text).toMatch(/^live_resync_closes_total 0$/m);
  });
});
