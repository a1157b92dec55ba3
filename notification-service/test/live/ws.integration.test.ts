import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner, generateTokenKeys } from '@herald/platform';
import { waitFor } from '@herald/platform/testing';
import { MemoryPresence } from '../../src/adapters/memory-presence.js';
import { countFrame, newUserId, notification, notificationFrame } from './support/builders.js';
import { metric, startLiveServer, testTokens, type LiveServer } from './support/live-server.js';
import { TestClient } from './support/test-client.js';

// Real sockets on a real fastify server on 127.0.0.1, with in-memory presence, transport and inbox.
const tokens = testTokens();
const clients: TestClient[] = [];
let server: LiveServer;
let presence: MemoryPresence;

async function connect(userId: string, options: { autoPong?: boolean; url?: string } = {}): Promise<TestClient> {
  const client = await TestClient.connect(options.url ?? server.url, { token: tokens.tokenFor(userId), autoPong: options.autoPong });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  presence = new MemoryPresence();
  server = await startLiveServer({ verifier: tokens.verifier, presence, options: { maxBadFrames: 3, resumePageSize: 10 } });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await server.close();
});

describe('GET /ws: authentication before the upgrade', () => {
  it.each([
    ['no token', '', [], 'missing_token'],
    ['a token that is not a JWT', '?token=not-a-jwt', [], 'invalid_token'],
    ['a JWT signed by another key', `?token=${new TokenSigner(generateTokenKeys().privateKey).sign({ userId: 'x', username: 'x', scopes: [] })}`, [], 'invalid_token'],
    ['a bad bearer subprotocol', '', ['bearer.abc.def.ghi'], 'invalid_token'],
  ])('refuses %s with a plain HTTP 401 in the error shape, never a socket', async (_name, query, protocols, code) => {
    const refused = await TestClient.refused(server.url + query, protocols);
    expect(refused.opened).toBe(false);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('answers a plain GET /ws (no upgrade) with 426', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/ws?token=${tokens.tokenFor(newUserId())}` });
    expect(res.statusCode).toBe(426);
    expect(res.json()).toEqual({ error: { code: 'upgrade_required', message: expect.any(String) } });
  });

  it('accepts the bearer.<jwt> subprotocol and echoes it back so browsers accept the socket', async () => {
    const userId = newUserId();
    const protocol = `bearer.${tokens.tokenFor(userId)}`;
    const client = new TestClient(new (await import('ws')).default(server.url, [protocol]));
    clients.push(client);
    const hello = await client.next('hello');
    expect(client.ws.protocol).toBe(protocol);
    expect(hello).toMatchObject({ type: 'hello', unreadCount: 0 });
  });
});

describe('a live session', () => {
  it('says hello with a session id, the unread count and the stream\'s newest seq, and answers ping with pong', async () => {
    const userId = newUserId();
    server.inbox.add(userId, notification({ seq: 1 }));
    server.inbox.add(userId, notification({ seq: 2 }));
    server.inbox.add(userId, notification({ seq: 3, readAt: new Date().toISOString() }));
    const client = await connect(userId);
    expect(await client.next('hello')).toEqual({ type: 'hello', sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/), unreadCount: 2, seq: 3 });
    client.send({ type: 'ping' });
    expect(await client.next('pong')).toEqual({ type: 'pong' });
  });

  it('registers presence before hello and removes it when the last socket closes', async () => {
    const userId = newUserId();
    const [a, b] = [await connect(userId), await connect(userId)];
    await a.next('hello');
    await b.next('hello');
    expect((await presence.instancesFor([userId])).get(userId)).toEqual([server.hub.stats().instanceId]);
    const sockets = server.hub.stats().sockets;
    await a.close();
    // The server has let go of that socket; the user, with another one open, stays present.
    await waitFor(() => server.hub.stats().sockets === sockets - 1, { what: 'the first socket released' });
    expect((await presence.instancesFor([userId])).has(userId)).toBe(true);
    await b.close();
    await waitFor(async () => !(await presence.instancesFor([userId])).has(userId), { what: 'presence removed with the last socket' });
  });

  it('sends every frame to every session of the user, and reports who was online', async () => {
    const [userId, offline] = [newUserId(), newUserId()];
    const [tab, phone] = [await connect(userId), await connect(userId)];
    await Promise.all([tab.next('hello'), phone.next('hello')]);
    const n = notification();
    const { online } = await server.hub.deliver([notificationFrame(userId, n), notificationFrame(offline), countFrame(userId, 7)]);
    expect(online).toEqual(new Set([userId]));
    for (const client of [tab, phone]) {
      expect((await client.next('notification')).notification).toEqual(n);
      expect(await client.next('unread_count')).toEqual({ type: 'unread_count', count: 7 });
    }
  });

  it('a read frame marks the items read and updates the count on every session', async () => {
    const userId = newUserId();
    const [first, second] = [server.inbox.add(userId, notification()), server.inbox.add(userId, notification())];
    const [tab, phone] = [await connect(userId), await connect(userId)];
    await Promise.all([tab.next('hello'), phone.next('hello')]);
    tab.send({ type: 'read', ids: [first.id] });
    expect(await phone.next('unread_count')).toEqual({ type: 'unread_count', count: 1 });
    expect(await tab.next('unread_count')).toEqual({ type: 'unread_count', count: 1 });
    expect(await server.inbox.unreadCount(userId)).toBe(1);
    expect(second.readAt).toBeNull();
  });

  it('answers a malformed or unknown frame with an error and stays open, then closes after too many (1008)', async () => {
    const client = await connect(newUserId());
    await client.next('hello');
    client.send('{not json');
    expect(await client.next('error')).toMatchObject({ code: 'invalid_json' });
    client.send({ type: 'subscribe' });
    expect(await client.next('error')).toMatchObject({ code: 'unknown_type' });
    client.send({ type: 'resume', after: 'yesterday' });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_resume', message: expect.any(String) });
    client.send({ type: 'ping' });
    expect(await client.next('pong')).toEqual({ type: 'pong' });
    client.send([1, 2]);
    expect((await client.closed).code).toBe(1008);
  });

  it('closes the socket with 1009 when a client frame is larger than WS_MAX_FRAME_BYTES', async () => {
    const client = await connect(newUserId());
    await client.next('hello');
    client.send({ type: 'ping', pad: 'x'.repeat(17 * 1024) });
    expect((await client.closed).code).toBe(1009);
  });

  it('refuses an upgrade past the per-user session limit with 429 and Retry-After', async () => {
    const limited = await startLiveServer({ verifier: tokens.verifier, options: { maxSessionsPerUser: 2 } });
    try {
      const userId = newUserId();
      for (let i = 0; i < 2; i++) await connect(userId, { url: limited.url }).then((c) => c.next('hello'));
      const refused = await TestClient.refused(`${limited.url}?token=${tokens.tokenFor(userId)}`);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.body).toMatchObject({ error: { code: 'too_many_sessions' } });
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await limited.close();
    }
  });
});

describe('resume', () => {
  it('sends exactly what was missed, in order, then the live frames: no gap, no duplicate, even while live frames arrive', async () => {
    const userId = newUserId();
    const backlog = Array.from({ length: 60 }, () => server.inbox.add(userId, notification()));
    const k = 15;
    server.inbox.latencyMs = 4;
    const resumeServer = server;
    try {
      const client = await connect(userId);
      await client.next('hello');
      // The pipeline's order: commit to the inbox, then deliver live, while the resume pages the inbox.
      const live: string[] = [];
      const delivering = (async () => {
        for (let i = 0; i < 40; i++) {
          const n = resumeServer.inbox.add(userId, notification());
          live.push(n.id);
          await resumeServer.hub.deliver([notificationFrame(userId, n)]);
          await sleep(i % 3);
        }
      })();
      client.send({ type: 'resume', after: backlog[k - 1]!.id });
      await delivering;
      const expected = [...backlog.slice(k).map((n) => n.id), ...live];
      await client.waitFor(() => client.notificationIds().length >= expected.length, 'every missed and live notification');
      await sleep(100);

      const received = client.notificationIds();
      expect(new Set(received).size).toBe(received.length);
      expect(new Set(received)).toEqual(new Set(expected));
      // Oldest first and in one run: live frames that arrive meanwhile wait until the replay is done.
      const missed = backlog.slice(k).map((n) => n.id);
      const start = received.indexOf(missed[0]!);
      expect(received.slice(start, start + missed.length)).toEqual(missed);
      expect(server.inbox.listAfterCalls.filter((c) => c.userId === userId).length).toBeGreaterThan(2);
    } finally {
      server.inbox.latencyMs = 0;
    }
  });
});

describe('resume, then ping', () => {
  it('answers a ping sent right after resume only once the replay is done, so the pong marks its end', async () => {
    const userId = newUserId();
    const backlog = Array.from({ length: 35 }, () => server.inbox.add(userId, notification()));
    server.inbox.latencyMs = 5;
    try {
      const client = await connect(userId);
      await client.next('hello');
      client.send({ type: 'resume', after: backlog[4]!.id });
      client.send({ type: 'ping' });
      await client.next('pong');
      const types = client.frames.map((f) => f.type);
      // hello, 30 replayed notifications (in pages of 10, each a query away), then the pong.
      expect(types.slice(types.indexOf('hello') + 1)).toEqual([...Array(30).fill('notification'), 'pong']);
      expect(client.notificationIds()).toEqual(backlog.slice(5).map((n) => n.id));
    } finally {
      server.inbox.latencyMs = 0;
    }
  });
});

describe('limits', () => {
  it('closes a slow reader with 1013 once its unsent bytes pass WS_MAX_BUFFERED_BYTES, and memory stops growing', async () => {
    const slow = await startLiveServer({ verifier: tokens.verifier, options: { maxBufferedBytes: 256 * 1024 } });
    try {
      const userId = newUserId();
      const client = await connect(userId, { url: slow.url });
      await client.next('hello');
      const raw = (client.ws as unknown as { _socket: Socket })._socket;
      raw.pause();
      const body = 'x'.repeat(16 * 1024);
      let sent = 0;
      while (slow.hub.stats().sockets > 0 && sent < 4_000) {
        await slow.hub.deliver(Array.from({ length: 20 }, () => notificationFrame(userId, notification({ body }))));
        sent += 20;
        await sleep(1);
      }
      expect(slow.hub.stats().sockets).toBe(0);
      expect(await metric(slow.registry, 'live_slow_consumer_disconnects_total')).toBe(1);
      // Once gone, nothing more is queued for it.
      const { online } = await slow.hub.deliver([notificationFrame(userId, notification({ body }))]);
      expect(online.has(userId)).toBe(false);
      raw.resume();
      expect((await client.closed).code).toBe(1013);
      expect(client.notificationIds().length).toBeLessThan(sent);
    } finally {
      await slow.close();
    }
  });

  it('terminates a socket that stops answering heartbeat pings, and keeps one that answers', async () => {
    const beating = await startLiveServer({ verifier: tokens.verifier, options: { heartbeatMs: 100 } });
    try {
      const silent = await connect(newUserId(), { url: beating.url, autoPong: false });
      const healthy = await connect(newUserId(), { url: beating.url });
      await Promise.all([silent.next('hello'), healthy.next('hello')]);
      expect((await silent.closed).code).toBe(1006);
      await sleep(250);
      expect(healthy.closeEvent).toBeUndefined();
      expect(await metric(beating.registry, 'live_heartbeat_terminations_total')).toBe(1);
    } finally {
      await beating.close();
    }
  });

  it('tells every client to reconnect (1012) when the hub closes', async () => {
    const closing = await startLiveServer({ verifier: tokens.verifier });
    const client = await connect(newUserId(), { url: closing.url });
    await client.next('hello');
    await closing.close();
    expect((await client.closed).code).toBe(1012);
  });
});

describe('metrics', () => {
  it('start at zero and count sockets, frames, and replays', async () => {
    const fresh = await startLiveServer({ verifier: tokens.verifier });
    try {
      const text = (await fresh.app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const name of ['live_sockets', 'live_frames_sent_total', 'live_slow_consumer_disconnects_total', 'live_resume_replayed_total']) {
        expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? 0$`, 'm'));
      }
      const userId = newUserId();
      const first = fresh.inbox.add(userId, notification());
      fresh.inbox.add(userId, notification());
      const [a, b] = [await connect(userId, { url: fresh.url }), await connect(userId, { url: fresh.url })];
      await Promise.all([a.next('hello'), b.next('hello')]);
      expect(await metric(fresh.registry, 'live_sockets')).toBe(2);
      await fresh.hub.deliver([notificationFrame(userId)]);
      a.send({ type: 'resume', after: first.id });
      await a.next('notification');
      await a.next('notification');
      expect(await metric(fresh.registry, 'live_frames_sent_total')).toBe(2);
      expect(await metric(fresh.registry, 'live_resume_replayed_total')).toBe(1);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await fresh.close();
    }
  });
});
