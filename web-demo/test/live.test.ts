import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveClient, backoffDelay, compareIds } from '../public/live.js';
import { FakeWebSocket } from './fake-websocket.js';

type Status = { state: string; attempt: number; retryInMs?: number };
type Received = { notification: { id: string; count?: number }; isNew: boolean };

function note(id: string, extra: Record<string, unknown> = {}) {
  return { id, type: 'like', title: `n ${id}`, createdAt: '2025-01-01T00:00:00Z', readAt: null, ...extra };
}

function setup(opts: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}) {
  let token = 'token-1';
  const client = new LiveClient({
    url: () => `ws://herald.test/ws?token=${token}`,
    WebSocket: FakeWebSocket as unknown as typeof WebSocket,
    random: () => 0.5,
    ...opts,
  });
  const statuses: Status[] = [];
  const received: Received[] = [];
  client.on('status', (s: Status) => statuses.push(s));
  client.on('notification', (r: Received) => received.push(r));
  return { client, statuses, received, setToken: (t: string) => (token = t) };
}

beforeEach(() => {
  FakeWebSocket.instances = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LiveClient', () => {
  it('connects with the token in the URL and reports Live once open, sending no resume when it knows no id', () => {
    const { client, statuses } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    expect(ws.url).toBe('ws://herald.test/ws?token=token-1');
    expect(statuses.at(-1)?.state).toBe('connecting');
    ws.serverOpen();
    expect(statuses.at(-1)?.state).toBe('live');
    expect(ws.framesOfType('resume')).toEqual([]);
  });

  it('emits hello, unread_count, error and notification frames and ignores unknown or malformed ones', () => {
    const { client, received } = setup();
    const hello = vi.fn();
    const count = vi.fn();
    const error = vi.fn();
    client.on('hello', hello);
    client.on('unread_count', count);
    client.on('error', error);
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'hello', sessionId: 's1', unreadCount: 3 });
    ws.serverSend({ type: 'unread_count', count: 4 });
    ws.serverSend({ type: 'error', code: 'bad_frame', message: 'nope' });
    ws.serverSend({ type: 'from_the_future', x: 1 });
    ws.onmessage?.({ data: 'not json' });
    ws.serverSend({ type: 'notification', notification: note('01A') });
    expect(hello).toHaveBeenCalledWith({ sessionId: 's1', unreadCount: 3 });
    expect(count).toHaveBeenCalledWith({ count: 4 });
    expect(error).toHaveBeenCalledWith({ code: 'bad_frame', message: 'nope' });
    expect(received.map((r) => [r.notification.id, r.isNew])).toEqual([['01A', true]]);
  });

  it('reads frames that arrive as binary (ArrayBuffer) as well as text', () => {
    const { client, received } = setup();
    const hello = vi.fn();
    client.on('hello', hello);
    client.start();
    const ws = FakeWebSocket.latest();
    // Blobs cannot be read synchronously, so the client asks for ArrayBuffers.
    expect((ws as unknown as { binaryType: string }).binaryType).toBe('arraybuffer');
    ws.serverOpen();
    const bytes = (frame: unknown) => new TextEncoder().encode(JSON.stringify(frame));
    ws.onmessage?.({ data: bytes({ type: 'hello', sessionId: 's1', unreadCount: 2 }).buffer });
    ws.onmessage?.({ data: bytes({ type: 'notification', notification: note('01A') }) });
    expect(hello).toHaveBeenCalledWith({ sessionId: 's1', unreadCount: 2 });
    expect(received.map((r) => r.notification.id)).toEqual(['01A']);
  });

  it('drops an exact duplicate and passes an updated version of a known id as an update, not a new one', () => {
    const { client, received } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'notification', notification: note('01A', { count: 2 }) });
    ws.serverSend({ type: 'notification', notification: note('01A', { count: 2 }) });
    ws.serverSend({ type: 'notification', notification: note('01A', { count: 3 }) });
    expect(received.map((r) => [r.notification.count, r.isNew])).toEqual([[2, true], [3, false]]);
  });

  it('treats a group successor (a new id naming the one it replaces) as an update, not a new notification', () => {
    const { client, received } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'notification', notification: note('01A', { groupKey: 'like:post:p1' }) });
    ws.serverSend({ type: 'notification', notification: note('01B', { groupKey: 'like:post:p1', count: 2, data: { replaces: '01A' } }) });
    ws.serverSend({ type: 'notification', notification: note('01C', { groupKey: 'like:post:p9', count: 2, data: { replaces: '00Z' } }) });
    expect(received.map((r) => [r.notification.id, r.isNew])).toEqual([['01A', true], ['01B', false], ['01C', true]]);
    expect(client.newestId).toBe('01C');
  });

  it('tracks the newest id, including ids learnt over HTTP, whatever order they arrive in', () => {
    const { client } = setup();
    client.noteSeen([note('01C'), note('01A')]);
    expect(client.newestId).toBe('01C');
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'notification', notification: note('01B') });
    expect(client.newestId).toBe('01C');
    ws.serverSend({ type: 'notification', notification: note('01D') });
    expect(client.newestId).toBe('01D');
  });

  it('sends resume after the newest id as the first frame of a connection', () => {
    const { client } = setup();
    client.noteSeen([note('01C')]);
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    expect(ws.sent[0]).toEqual({ type: 'resume', after: '01C' });
  });

  it('on a drop reconnects with backoff and resumes after the newest id, with a fresh token', () => {
    const { client, statuses, received, setToken } = setup();
    client.start();
    const first = FakeWebSocket.latest();
    first.serverOpen();
    first.serverSend({ type: 'notification', notification: note('01A') });
    first.serverSend({ type: 'notification', notification: note('01B') });

    first.drop();
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1 });
    const wait = statuses.at(-1)!.retryInMs!;
    setToken('token-2');
    vi.advanceTimersByTime(wait - 1);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    const second = FakeWebSocket.latest();
    expect(second).not.toBe(first);
    expect(second.url).toContain('token=token-2');

    second.serverOpen();
    expect(second.sent[0]).toEqual({ type: 'resume', after: '01B' });
    expect(statuses.at(-1)?.state).toBe('catching_up');

    // The server replays from 01B on, overlapping what we already had: no duplicate comes out.
    second.serverSend({ type: 'notification', notification: note('01B') });
    second.serverSend({ type: 'notification', notification: note('01C') });
    expect(received.map((r) => r.notification.id)).toEqual(['01A', '01B', '01C']);

    // The pong to the ping sent after resume marks the end of the replay.
    expect(second.framesOfType('ping')).toHaveLength(1);
    second.serverSend({ type: 'pong' });
    expect(statuses.at(-1)?.state).toBe('caught_up');
  });

  it('backs off exponentially with jitter and a cap while the server stays away, and resets once connected', () => {
    const { client, statuses } = setup({ random: () => 0, backoff: { baseMs: 500, maxMs: 4000 } });
    client.start();
    const waits: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      FakeWebSocket.latest().drop();
      const s = statuses.at(-1)!;
      waits.push(s.retryInMs!);
      vi.advanceTimersByTime(s.retryInMs!);
    }
    // random() = 0 gives the lower half of each window: 250, 500, 1000, 2000, then capped at 2000.
    expect(waits).toEqual([250, 500, 1000, 2000, 2000, 2000]);
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().drop();
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1, retryInMs: 250 });
  });

  it('reports an upgrade that never opened (a refused token looks like this) as connect_failed', () => {
    const { client } = setup();
    const failed = vi.fn();
    client.on('connect_failed', failed);
    client.start();
    FakeWebSocket.latest().drop(1006);
    expect(failed).toHaveBeenCalledTimes(1);
  });

  it('pings every 25 s and reconnects when no pong comes back', () => {
    const { client, statuses } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    vi.advanceTimersByTime(25_000);
    expect(ws.framesOfType('ping')).toHaveLength(1);
    ws.serverSend({ type: 'pong' });
    vi.advanceTimersByTime(25_000);
    expect(ws.framesOfType('ping')).toHaveLength(2);
    vi.advanceTimersByTime(10_000); // no pong this time
    expect(ws.closedWith?.code).toBe(4000);
    expect(statuses.at(-1)?.state).toBe('reconnecting');
  });

  it('sends read frames only while connected', () => {
    const { client } = setup();
    expect(client.markRead(['01A'])).toBe(false);
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    expect(client.markRead(['01A', '01B'])).toBe(true);
    expect(ws.framesOfType('read')).toEqual([{ type: 'read', ids: ['01A', '01B'] }]);
    expect(client.markRead([])).toBe(false);
  });

  it('stops for good: no reconnect after stop(), and the socket is closed normally', () => {
    const { client, statuses } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    client.stop();
    expect(ws.closedWith?.code).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(statuses.at(-1)?.state).toBe('stopped');
  });

  it('after reset() (sign-out) a new start is a first connection: no resume, status Live', () => {
    const { client, statuses } = setup();
    client.start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().serverSend({ type: 'notification', notification: note('01A') });
    client.reset();
    expect(client.newestId).toBeNull();
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    expect(ws.framesOfType('resume')).toEqual([]);
    expect(statuses.at(-1)?.state).toBe('live');
  });

  it('reconnectNow skips the backoff wait', () => {
    const { client } = setup();
    client.start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().drop();
    client.reconnectNow();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });
});

describe('compareIds and backoffDelay', () => {
  it('orders ULID-like ids as strings and numeric ids by value', () => {
    expect(compareIds('01HZX', '01HZY')).toBeLessThan(0);
    expect(compareIds('9', '10')).toBeLessThan(0);
    expect(compareIds('abc', 'abc')).toBe(0);
  });

  it('keeps every delay within [ceiling/2, ceiling]', () => {
    for (const r of [0, 0.3, 0.999]) {
      const d = backoffDelay(3, { baseMs: 1000, maxMs: 60_000 }, () => r);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});
