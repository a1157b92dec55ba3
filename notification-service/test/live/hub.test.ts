import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLiveTransport } from '../../src/adapters/memory-live-transport.js';
import { MemoryPresence } from '../../src/adapters/memory-presence.js';
import type { Presence } from '../../src/domain/ports.js';
import type { LiveOptions } from '../../src/live/options.js';
import { countFrame, newUserId, notification, notificationFrame } from './support/builders.js';
import { MemoryInbox } from './support/memory-inbox.js';
import { startLiveServer, testTokens, type LiveServer } from './support/live-server.js';
import { TestClient } from './support/test-client.js';

// The hub on memory presence, transport and inbox, with sockets injected into fastify (no network).
const tokens = testTokens();
const servers: LiveServer[] = [];

async function hub(over: { instanceId?: string; presence?: Presence; transport?: MemoryLiveTransport; inbox?: MemoryInbox; options?: Partial<LiveOptions> } = {}) {
  // Injected sockets never report 'close', so shutdown would always wait out the whole grace period.
  const server = await startLiveServer({ verifier: tokens.verifier, listen: false, ...over, options: { closeGraceMs: 20, ...over.options } });
  servers.push(server);
  return server;
}

async function connect(server: LiveServer, userId: string): Promise<TestClient> {
  let client!: TestClient;
  await server.app.injectWS(`/ws?token=${tokens.tokenFor(userId)}`, {}, { onInit: (ws) => (client = new TestClient(ws)) });
  return client;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('deliver across instances', () => {
  it('publishes once per instance holding the users, with exactly their frames, and reports them online', async () => {
    const [presence, transport] = [new MemoryPresence(), new MemoryLiveTransport()];
    const [a, b, c] = [await hub({ presence, transport }), await hub({ presence, transport }), await hub({ presence, transport })];
    const [onB1, onB2, onC, offline] = [newUserId(), newUserId(), newUserId(), newUserId()];
    const clients = [await connect(b, onB1), await connect(b, onB2), await connect(c, onC)];
    await Promise.all(clients.map((cl) => cl.next('hello')));
    const publish = vi.spyOn(transport, 'publish');

    const frames = [notificationFrame(onB1), notificationFrame(onC), countFrame(onB2, 3), notificationFrame(offline)];
    const { online } = await a.hub.deliver(frames);

    expect(online).toEqual(new Set([onB1, onB2, onC]));
    expect(publish).toHaveBeenCalledTimes(2);
    expect(publish).toHaveBeenCalledWith(b.hub.stats().instanceId, [frames[0], frames[2]]);
    expect(publish).toHaveBeenCalledWith(c.hub.stats().instanceId, [frames[1]]);
    expect((await clients[0]!.next('notification')).notification).toEqual(frames[0]!.frame.type === 'notification' ? frames[0]!.frame.notification : null);
    expect(await clients[1]!.next('unread_count')).toEqual({ type: 'unread_count', count: 3 });
    await clients[2]!.next('notification');
  });

  it('reaches a user on this instance and on another exactly once each', async () => {
    const [presence, transport] = [new MemoryPresence(), new MemoryLiveTransport()];
    const [a, b] = [await hub({ presence, transport }), await hub({ presence, transport })];
    const userId = newUserId();
    const [here, there] = [await connect(a, userId), await connect(b, userId)];
    await Promise.all([here.next('hello'), there.next('hello')]);
    const n = notification();
    await a.hub.deliver([notificationFrame(userId, n)]);
    await Promise.all([here.next('notification'), there.next('notification')]);
    await sleep(30);
    expect([here.notificationIds(), there.notificationIds()]).toEqual([[n.id], [n.id]]);
  });

  it('does not publish to itself for a stale entry, and counts that user offline', async () => {
    const [presence, transport] = [new MemoryPresence(), new MemoryLiveTransport()];
    const a = await hub({ presence, transport, instanceId: 'self' });
    const userId = newUserId();
    await presence.register('self', [userId]);
    const publish = vi.spyOn(transport, 'publish');
    expect((await a.hub.deliver([notificationFrame(userId)])).online.size).toBe(0);
    expect(publish).not.toHaveBeenCalled();
  });

  it('still writes to local sockets when presence is unreachable', async () => {
    const presence = new MemoryPresence();
    const a = await hub({ presence });
    const userId = newUserId();
    const client = await connect(a, userId);
    await client.next('hello');
    vi.spyOn(presence, 'instancesFor').mockRejectedValue(new Error('redis down'));
    expect((await a.hub.deliver([notificationFrame(userId)])).online).toEqual(new Set([userId]));
    await client.next('notification');
  });

  it('keeps its users present past the expiry by refreshing, and stops once closed', async () => {
    const presence = new MemoryPresence({ ttlMs: 150 });
    const a = await hub({ presence, options: { presenceRefreshMs: 40 } });
    const userId = newUserId();
    await (await connect(a, userId)).next('hello');
    await sleep(400);
    expect((await presence.instancesFor([userId])).get(userId)).toEqual([a.hub.stats().instanceId]);
    await a.close();
    expect((await presence.instancesFor([userId])).has(userId)).toBe(false);
  });
});

describe('opening a session', () => {
  it('sends hello before any live frame that arrives while it opens', async () => {
    const inbox = new MemoryInbox();
    inbox.latencyMs = 30;
    const a = await hub({ inbox });
    const userId = newUserId();
    const client = await connect(a, userId);
    await a.hub.deliver([countFrame(userId, 9)]);
    await client.next('unread_count');
    expect(client.frames.map((f) => f.type)).toEqual(['hello', 'unread_count']);
  });

  it('closes with 1011 when the inbox cannot give the unread count', async () => {
    const inbox = new MemoryInbox();
    inbox.failing = true;
    const client = await connect(await hub({ inbox }), newUserId());
    expect((await client.closed).code).toBe(1011);
  });
});

describe('resume', () => {
  it('does not send again a replayed notification whose live frame arrives after the resume', async () => {
    const a = await hub();
    const userId = newUserId();
    const [old, committed] = [a.inbox.add(userId, notification()), a.inbox.add(userId, notification())];
    const client = await connect(a, userId);
    await client.next('hello');
    client.send({ type: 'resume', after: old.id });
    await client.next('notification');
    // The pipeline delivers after its commit; the commit came before the resume's query.
    await a.hub.deliver([notificationFrame(userId, committed)]);
    await a.hub.deliver([countFrame(userId, 1)]);
    await client.next('unread_count');
    expect(client.notificationIds()).toEqual([committed.id]);
  });

  it('sends a notification committed after the query snapshot once, after the replay', async () => {
    const a = await hub();
    a.inbox.latencyMs = 40;
    const userId = newUserId();
    const old = a.inbox.add(userId, notification());
    const [early, late] = [notification(), notification()];
    a.inbox.add(userId, late);
    const client = await connect(a, userId);
    await client.next('hello');
    client.send({ type: 'resume', after: old.id });
    // The resume's query has started: its snapshot is taken.
    await client.waitFor(() => a.inbox.listAfterCalls.length > 0, 'the resume query');
    // Its id is older than `late` but it commits after the snapshot: only the live frame carries it.
    a.inbox.add(userId, early);
    await a.hub.deliver([notificationFrame(userId, early)]);
    await client.waitFor(() => client.notificationIds().length === 2, 'two notifications');
    expect(client.notificationIds()).toEqual([late.id, early.id]);
  });

  it('closes with 4001 (resume again) when too many live frames arrive while resuming', async () => {
    const a = await hub({ options: { maxResumeBufferFrames: 5 } });
    a.inbox.latencyMs = 50;
    const userId = newUserId();
    const client = await connect(a, userId);
    await client.next('hello');
    client.send({ type: 'resume', after: notification().id });
    await client.waitFor(() => a.inbox.listAfterCalls.length > 0, 'the resume query');
    for (let i = 0; i < 6; i++) await a.hub.deliver([notificationFrame(userId)]);
    expect((await client.closed).code).toBe(4001);
  });

  it('refuses a second resume while one runs, and reports a failed one without closing', async () => {
    const a = await hub();
    a.inbox.latencyMs = 30;
    const userId = newUserId();
    const client = await connect(a, userId);
    await client.next('hello');
    client.send({ type: 'resume', after: notification().id });
    client.send({ type: 'resume', after: notification().id });
    expect(await client.next('error')).toMatchObject({ code: 'resume_in_progress' });
    // The pong to a ping sent behind a resume marks the end of its replay (docs/protocol.md).
    client.send({ type: 'ping' });
    await client.next('pong');
    a.inbox.failing = true;
    client.send({ type: 'resume', after: notification().id });
    expect(await client.next('error')).toMatchObject({ code: 'resume_failed' });
    a.inbox.failing = false;
    await a.hub.deliver([countFrame(userId, 4)]);
    expect(await client.next('unread_count')).toEqual({ type: 'unread_count', count: 4 });
  });
});

describe('read frames', () => {
  it('answers only the asking session when nothing changed', async () => {
    const a = await hub();
    const userId = newUserId();
    const item = a.inbox.add(userId, notification({ readAt: new Date().toISOString() }));
    const [tab, phone] = [await connect(a, userId), await connect(a, userId)];
    await Promise.all([tab.next('hello'), phone.next('hello')]);
    tab.send({ type: 'read', ids: [item.id] });
    expect(await tab.next('unread_count')).toEqual({ type: 'unread_count', count: 0 });
    await sleep(30);
    expect(phone.counts()).toEqual([]);
  });

  it('reaches the user’s sessions on other instances', async () => {
    const [presence, transport, inbox] = [new MemoryPresence(), new MemoryLiveTransport(), new MemoryInbox()];
    const [a, b] = [await hub({ presence, transport, inbox }), await hub({ presence, transport, inbox })];
    const userId = newUserId();
    const item = inbox.add(userId, notification());
    const [here, there] = [await connect(a, userId), await connect(b, userId)];
    await Promise.all([here.next('hello'), there.next('hello')]);
    here.send({ type: 'read', ids: [item.id] });
    expect(await there.next('unread_count')).toEqual({ type: 'unread_count', count: 0 });
  });

  it.each([
    ['no ids', { type: 'read' }, 'invalid_request'],
    ['empty ids', { type: 'read', ids: [] }, 'invalid_request'],
    ['an id that is not a uuid', { type: 'read', ids: ['1; DROP TABLE notifications'] }, 'invalid_request'],
    ['more than 200 ids', { type: 'read', ids: Array.from({ length: 201 }, () => notification().id) }, 'invalid_request'],
    ['a type that is not a string', { type: 42 }, 'unknown_type'],
    ['a binary frame', Buffer.from('{"type":"ping"}'), 'invalid_frame'],
  ])('refuses %s with %s', async (_name, frame, code) => {
    const a = await hub();
    const client = await connect(a, newUserId());
    await client.next('hello');
    client.send(frame);
    expect(await client.next('error')).toMatchObject({ type: 'error', code, message: expect.any(String) });
  });
});
