import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPresence } from '../../src/adapters/memory-presence.js';
import { newUserId, notification } from './support/builders.js';
import { startLiveServer, testTokens, type LiveServer } from './support/live-server.js';
import { TestClient } from './support/test-client.js';
import { waitFor } from '@herald/platform/testing';

// Real sockets on 127.0.0.1. The inbox's streamHeads can be held (gate), so a test knows which
// sockets are in a flush under way and which wait for the next one, without any timing.
const tokens = testTokens();
const clients: TestClient[] = [];
let server: LiveServer | undefined;

/** MemoryPresence that records the users of every register and unregister call (one pipeline each in Redis). */
class RecordingPresence extends MemoryPresence {
  readonly registered: string[][] = [];
  readonly unregistered: string[][] = [];
  override async register(instanceId: string, userIds: readonly string[]): Promise<string[]> {
    this.registered.push([...userIds]);
    return super.register(instanceId, userIds);
  }
  override async unregister(instanceId: string, userIds: readonly string[]): Promise<void> {
    this.unregistered.push([...userIds]);
    return super.unregister(instanceId, userIds);
  }
}


async function connect(userId: string): Promise<TestClient> {
  const client = await TestClient.connect(server!.url, { token: tokens.tokenFor(userId) });
  clients.push(client);
  return client;
}

function gate() {
  let open!: () => void;
  server!.inbox.gate = new Promise<void>((resolve) => (open = resolve));
  return () => {
    server!.inbox.gate = undefined;
    open();
  };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
});

describe('a burst of connections', () => {
  it('greets 200 sockets opened at once, each with its own count and seq, from a few batches: one query and one presence pipeline each', async () => {
    const presence = new RecordingPresence();
    server = await startLiveServer({ verifier: tokens.verifier, presence });
    // 180 users, the first 20 with two sockets; user i has i % 5 unread items and i % 3 read ones.
    const users = Array.from({ length: 180 }, newUserId);
    const expected = new Map<string, { unread: number; seq: number }>();
    users.forEach((userId, i) => {
      let seq = 0;
      for (let k = 0; k < i % 5; k++) server!.inbox.add(userId, notification({ seq: ++seq }));
      for (let k = 0; k < i % 3; k++) server!.inbox.add(userId, notification({ seq: ++seq, readAt: new Date().toISOString() }));
      expected.set(userId, { unread: i % 5, seq });
    });
    const sockets = [...users, ...users.slice(0, 20)];

    const release = gate();
    const opened = await Promise.all(sockets.map((userId) => connect(userId)));
    await waitFor(() => server!.hub.stats().sockets === 200, 'every socket accepted');
    release();
    const hellos = await Promise.all(opened.map((client) => client.next('hello')));

    hellos.forEach((hello, i) => {
      const { unread, seq } = expected.get(sockets[i]!)!;
      expect(hello).toEqual({ type: 'hello', sessionId: expect.any(String), unreadCount: unread, seq });
    });
    expect(new Set(hellos.map((h) => h.sessionId)).size).toBe(200);
    // One flush was under way when the gate closed; every other socket waited for the next.
    const calls = server.inbox.streamHeadsCalls;
    expect(calls.length).toBeLessThanOrEqual(2);
    expect(new Set(calls.flat())).toEqual(new Set(users));
    expect(presence.registered.length).toBeLessThanOrEqual(2);
    expect(new Set(presence.registered.flat())).toEqual(new Set(users));
    expect((await presence.instancesFor(users)).size).toBe(180);
    expect(await presence.sessionsElsewhere(users[0]!, 'another-instance')).toBe(2);

    // All close at once: released in a few pipelines (one per turn of the event loop), none left.
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await waitFor(() => server!.hub.stats().sockets === 0, 'every close seen');
    await waitFor(() => presence.unregistered.length > 0 && new Set(presence.unregistered.flat()).size === 180, 'every user released');
    expect((await presence.instancesFor(users)).size).toBe(0);
    expect(await presence.sessionsElsewhere(users[0]!, 'another-instance')).toBe(0);
  });

  it('leaves no presence behind for a socket that closes while its batch is queued or under way', async () => {
    const presence = new RecordingPresence();
    server = await startLiveServer({ verifier: tokens.verifier, presence });
    const [inFlight, stays, queued] = [newUserId(), newUserId(), newUserId()];
    const calls = server.inbox.streamHeadsCalls;
    const release = gate();
    // The first socket's flush is registered and held at the stream-head query; the next two wait.
    const a = await connect(inFlight);
    await waitFor(() => calls.length === 1, 'the first flush');
    const [b, c] = await Promise.all([connect(stays), connect(queued)]);
    await waitFor(() => server!.hub.stats().sockets === 3, 'the queued sockets accepted');
    expect([...(await presence.instancesFor([inFlight, stays, queued])).keys()]).toEqual([inFlight]);

    await Promise.all([a.close(), c.close()]);
    await waitFor(() => server!.hub.stats().sockets === 1, 'both closes seen');
    release();
    await b.next('hello');
    // Batches flush in order: once a later socket is greeted, the queued one's batch is done.
    const later = newUserId();
    await (await connect(later)).next('hello');

    expect([...(await presence.instancesFor([inFlight, stays, queued, later])).keys()].sort()).toEqual([stays, later].sort());
    expect(presence.registered.flat()).not.toContain(queued);
    expect(await presence.sessionsElsewhere(inFlight, 'another-instance')).toBe(0);
    expect(await presence.sessionsElsewhere(queued, 'another-instance')).toBe(0);
    expect([a, c].map((client) => client.frames.filter((f) => f.type === 'hello').length)).toEqual([0, 0]);
  });
});
