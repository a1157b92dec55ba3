// The behaviour of web-demo/public/live.js (its tests, web-demo/test/live.test.ts, ported case by
// case), plus what the SDK adds: the token through getToken and the subprotocol, 4401 handling,
// the unread badge, groupKey successors, read frames of at most 200 ids, full jitter.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  GAP_LOOKBACK_MS,
  HeraldClient,
  backoffDelay,
  compareIds,
  earlierCursor,
  liveUrl,
  type HeraldClientOptions,
  type Notification,
  type NotificationEvent,
  type StatusEvent,
  type TokenRequest,
  type UnreadEvent,
} from '../src/index.js';
import { decodeUtf8 } from '../src/text.js';
import { FakeWebSocket } from './fake-websocket.js';

function note(id: string, extra: Record<string, unknown> = {}): Notification {
  return { id, type: 'like', title: `n ${id}`, createdAt: '2025-01-01T00:00:00Z', readAt: null, ...extra } as unknown as Notification;
}

function setup(opts: Partial<HeraldClientOptions> = {}) {
  let token = 'token-1';
  const tokenRequests: TokenRequest['reason'][] = [];
  const client = new HeraldClient({
    url: 'ws://herald.test/ws',
    getToken: ({ reason }) => {
      tokenRequests.push(reason);
      return token;
    },
    WebSocket: FakeWebSocket,
    random: () => 0.5,
    ...opts,
  });
  const statuses: StatusEvent[] = [];
  const received: NotificationEvent[] = [];
  const unread: UnreadEvent[] = [];
  client.on('status', (s) => statuses.push(s));
  client.on('notification', (r) => received.push(r));
  client.on('unread', (u) => unread.push(u));
  return { client, statuses, received, unread, tokenRequests, setToken: (t: string) => (token = t) };
}

beforeEach(() => {
  FakeWebSocket.instances = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HeraldClient (the web demo LiveClient behaviour)', () => {
  it('connects to /ws with the token as the bearer subprotocol, none in the URL, and reports live once open without a resume when it knows no id', () => {
    const { client, statuses, tokenRequests } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    expect(ws.url).toBe('ws://herald.test/ws');
    expect(ws.protocols).toEqual(['bearer', 'bearer.token-1']);
    expect(tokenRequests).toEqual(['connect']);
    expect(statuses.at(-1)?.state).toBe('connecting');
    ws.serverOpen();
    expect(statuses.at(-1)?.state).toBe('live');
    expect(client.state).toBe('live');
    expect(ws.framesOfType('resume')).toEqual([]);
  });

  it('emits hello, unread, error and notification and ignores unknown or malformed frames', () => {
    const { client, received, unread } = setup();
    const hello = vi.fn();
    const error = vi.fn();
    const frames: string[] = [];
    client.on('hello', hello);
    client.on('error', error);
    client.on('frame', (f) => frames.push(f.type));
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'hello', sessionId: 's1', unreadCount: 3 });
    ws.serverSend({ type: 'unread_count', count: 4 });
    ws.serverSend({ type: 'error', code: 'invalid_request', message: 'nope' });
    ws.serverSend({ type: 'from_the_future', x: 1 });
    ws.onmessage?.({ data: 'not json' });
    ws.serverSend({ type: 'notification', notification: note('01A') });
    expect(hello).toHaveBeenCalledWith({ sessionId: 's1', unreadCount: 3 });
    expect(unread.map((u) => [u.count, u.cause])).toEqual([
      [3, 'hello'],
      [4, 'unread_count'],
      [5, 'notification'],
    ]);
    expect(error).toHaveBeenCalledWith({ code: 'invalid_request', message: 'nope' });
    expect(received.map((r) => [r.notification.id, r.isNew])).toEqual([['01A', true]]);
    expect(frames).toEqual(['hello', 'unread_count', 'error', 'notification']);
  });

  it('reads frames that arrive as binary (ArrayBuffer) as well as text', () => {
    const { client, received } = setup();
    const hello = vi.fn();
    client.on('hello', hello);
    client.start();
    const ws = FakeWebSocket.latest();
    expect(ws.binaryType).toBe('arraybuffer');
    ws.serverOpen();
    const bytes = (frame: unknown) => new TextEncoder().encode(JSON.stringify(frame));
    ws.onmessage?.({ data: bytes({ type: 'hello', sessionId: 's1', unreadCount: 2 }).buffer as ArrayBuffer });
    ws.onmessage?.({ data: bytes({ type: 'notification', notification: note('01A') }) });
    expect(hello).toHaveBeenCalledWith({ sessionId: 's1', unreadCount: 2 });
    expect(received.map((r) => r.notification.id)).toEqual(['01A']);
  });

  it('decodes UTF-8 by itself where there is no TextDecoder', () => {
    const text = '{"title":"Ana ❤️ your post — ünïcødé 𝄞"}';
    expect(decodeUtf8(new TextEncoder().encode(text))).toBe(text);
    expect(decodeUtf8(new Uint8Array([0x61, 0xff, 0xc3, 0x62]))).toBe('a\ufffd\ufffdb');
  });

  it('drops an exact duplicate and passes an updated version of a known id as an update, not a new one', () => {
    const { client, received } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'notification', notification: note('01A', { count: 2 }) });
    ws.serverSend({ type: 'notification', notification: note('01A', { count: 2 }) });
    ws.serverSend({ type: 'notification', notification: note('01A', { count: 3 }) });
    expect(received.map((r) => [r.notification.count, r.isNew])).toEqual([
      [2, true],
      [3, false],
    ]);
  });

  it('treats a group successor (a new id naming the one it replaces) as an update, not a new notification', () => {
    const { client, received } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'notification', notification: note('01A', { groupKey: 'like:post:p1' }) });
    ws.serverSend({ type: 'notification', notification: note('01B', { groupKey: 'like:post:p1', count: 2, data: { replaces: '01A' } }) });
    ws.serverSend({ type: 'notification', notification: note('01C', { groupKey: 'like:post:p9', count: 2, data: { replaces: '00Z' } }) });
    expect(received.map((r) => [r.notification.id, r.isNew, r.replaces])).toEqual([
      ['01A', true, []],
      ['01B', false, ['01A']],
      ['01C', true, ['00Z']],
    ]);
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
    expect(client.knows('01A')).toBe(true);
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
    const { client, statuses, received, setToken, tokenRequests } = setup();
    client.start();
    const first = FakeWebSocket.latest();
    first.serverOpen();
    first.serverSend({ type: 'notification', notification: note('01A') });
    first.serverSend({ type: 'notification', notification: note('01B') });

    first.drop();
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1, closeCode: 1006 });
    const wait = statuses.at(-1)!.retryInMs!;
    setToken('token-2');
    vi.advanceTimersByTime(wait - 1);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    const second = FakeWebSocket.latest();
    expect(second).not.toBe(first);
    expect(second.protocols).toEqual(['bearer', 'bearer.token-2']);
    expect(tokenRequests).toEqual(['connect', 'reconnect']);

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

  it("backs off exponentially with the web demo's equal jitter and a cap while the server stays away, and resets once connected", () => {
    const { client, statuses } = setup({ random: () => 0, backoff: { baseMs: 500, maxMs: 4000, jitter: 'equal' } });
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

  it('uses full jitter by default: anywhere from 0 to the doubling, capped ceiling', () => {
    const { client, statuses } = setup({ random: () => 0.999 });
    client.start();
    const waits: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      FakeWebSocket.latest().drop();
      waits.push(statuses.at(-1)!.retryInMs!);
      vi.advanceTimersByTime(statuses.at(-1)!.retryInMs!);
    }
    expect(waits).toEqual([500, 999, 1998, 3996, 7992, 15_984, 29_970, 29_970, 29_970]);
    for (const r of [0, 0.25, 0.999]) {
      const d = backoffDelay(4, { baseMs: 500, maxMs: 30_000 }, () => r);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(4000);
    }
    expect(backoffDelay(4, { baseMs: 500, maxMs: 30_000 }, () => 0)).toBe(0);
  });

  it('reports an upgrade that never opened (a refused token looks like this) as connect_failed', () => {
    const { client } = setup();
    const failed = vi.fn();
    client.on('connect_failed', failed);
    client.start();
    FakeWebSocket.latest().drop(1006);
    expect(failed).toHaveBeenCalledTimes(1);
    expect(failed).toHaveBeenCalledWith({ attempt: 0, code: 1006 });
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
    vi.advanceTimersByTime(statuses.at(-1)!.retryInMs!);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('sends read frames only while connected, 200 ids at most per frame', () => {
    const { client } = setup();
    expect(client.markRead(['01A'])).toBe(false);
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    expect(client.markRead(['01A', '01B'])).toBe(true);
    expect(ws.framesOfType('read')).toEqual([{ type: 'read', ids: ['01A', '01B'] }]);
    expect(client.markRead([])).toBe(false);
    const many = Array.from({ length: 450 }, (_, i) => `id-${i}`);
    expect(client.markRead(many)).toBe(true);
    expect(ws.framesOfType('read').slice(1).map((f) => (f.ids as string[]).length)).toEqual([200, 200, 50]);
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
    expect(client.started).toBe(false);
  });

  it('after reset() (sign-out) a new start is a first connection: no resume, status live, no badge', () => {
    const { client, statuses } = setup();
    client.start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().serverSend({ type: 'hello', sessionId: 's1', unreadCount: 1, seq: 0 });
    FakeWebSocket.latest().serverSend({ type: 'notification', notification: note('01A') });
    client.reset();
    expect(client.newestId).toBeNull();
    expect(client.unreadCount).toBeNull();
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

describe('tokens', () => {
  it('on 4401 asks for a new token at once and reconnects with it and resumes', async () => {
    let n = 0;
    const reasons: string[] = [];
    const { client, statuses } = setup({
      getToken: async ({ reason }) => {
        reasons.push(reason);
        return `token-${++n}`;
      },
    });
    const unauthorized = vi.fn();
    client.on('unauthorized', unauthorized);
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = FakeWebSocket.latest();
    expect(first.protocols).toEqual(['bearer', 'bearer.token-1']);
    first.serverOpen();
    first.serverSend({ type: 'hello', sessionId: 's1', unreadCount: 0, seq: 0 });
    first.serverSend({ type: 'notification', notification: note('01A') });
    first.drop(4401);
    expect(unauthorized).toHaveBeenCalledWith({ code: 4401 });
    await vi.advanceTimersByTimeAsync(0); // the token arrives: no backoff wait
    const second = FakeWebSocket.latest();
    expect(second).not.toBe(first);
    expect(second.protocols).toEqual(['bearer', 'bearer.token-2']);
    expect(reasons).toEqual(['connect', 'unauthorized']);
    second.serverOpen();
    expect(second.sent[0]).toEqual({ type: 'resume', after: '01A' });
    expect(statuses.at(-1)?.state).toBe('catching_up');
  });

  it('paces a token refused again before any hello with the backoff, and asks for a refresh each time', async () => {
    const reasons: string[] = [];
    const { client, statuses } = setup({ getToken: ({ reason }) => (reasons.push(reason), 'stale') });
    client.start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().serverSend({ type: 'hello', sessionId: 's1', unreadCount: 0, seq: 0 });
    FakeWebSocket.latest().drop(4401);
    expect(FakeWebSocket.instances).toHaveLength(2); // at once
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().drop(4401); // refused again before hello
    expect(FakeWebSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(statuses.at(-1)!.retryInMs!);
    expect(FakeWebSocket.instances).toHaveLength(3);
    expect(reasons).toEqual(['connect', 'unauthorized', 'unauthorized']);
  });

  it('reports a getToken failure as an error and retries with backoff, asking again', async () => {
    let fail = true;
    const { client, statuses } = setup({ getToken: async () => (fail ? Promise.reject(new Error('refresh answered 401')) : 'ok') });
    const errors = vi.fn();
    client.on('error', errors);
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'token_unavailable', message: 'getToken failed: refresh answered 401' }));
    expect(statuses.at(-1)?.state).toBe('reconnecting');
    fail = false;
    await vi.advanceTimersByTimeAsync(statuses.at(-1)!.retryInMs!);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('drops a token that arrives after stop()', async () => {
    let resolve!: (t: string) => void;
    const { client } = setup({ getToken: () => new Promise<string>((r) => (resolve = r)) });
    client.start();
    client.stop();
    resolve('late');
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it('refuses a URL that carries a token, and turns an http base into the /ws endpoint', () => {
    expect(() => setup({ url: 'wss://herald.test/ws?token=abc' })).toThrow(/token/);
    expect(liveUrl('https://herald.test')).toBe('wss://herald.test/ws');
    expect(liveUrl('http://localhost:3000/')).toBe('ws://localhost:3000/ws');
    expect(liveUrl('wss://herald.test/live/ws')).toBe('wss://herald.test/live/ws');
    expect(() => liveUrl('ftp://x')).toThrow(TypeError);
  });
});

describe('the unread badge', () => {
  function connected(unreadCount: number, seq: number) {
    const t = setup();
    t.client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'hello', sessionId: 's1', unreadCount, seq });
    return { ...t, ws };
  }

  it('starts from hello, counts new unread items, takes the server count over its own', () => {
    const { client, ws } = connected(2, 5);
    expect(client.unreadCount).toBe(2);
    ws.serverSend({ type: 'notification', notification: note('01F', { seq: 6 }) });
    expect(client.unreadCount).toBe(3);
    ws.serverSend({ type: 'notification', notification: note('01G', { seq: 7, readAt: '2025-01-01T00:00:01Z' }) });
    expect(client.unreadCount).toBe(3);
    ws.serverSend({ type: 'unread_count', count: 7 });
    expect(client.unreadCount).toBe(7);
  });

  it('does not count again what the last server count covers (a replay after a reconnect)', () => {
    const { client, ws, statuses } = connected(0, 0);
    ws.serverSend({ type: 'notification', notification: note('01A', { seq: 1 }) });
    ws.serverSend({ type: 'unread_count', count: 1 });
    ws.drop();
    vi.advanceTimersByTime(statuses.at(-1)!.retryInMs!);
    const second = FakeWebSocket.latest();
    second.serverOpen();
    // Two items arrived while away: hello counts them, the replay must not add them again.
    second.serverSend({ type: 'hello', sessionId: 's2', unreadCount: 3, seq: 3 });
    second.serverSend({ type: 'notification', notification: note('01B', { seq: 2 }) });
    second.serverSend({ type: 'notification', notification: note('01C', { seq: 3 }) });
    second.serverSend({ type: 'pong' });
    expect(client.unreadCount).toBe(3);
    second.serverSend({ type: 'notification', notification: note('01D', { seq: 4 }) });
    expect(client.unreadCount).toBe(4);
  });

  it('drops at once on a local read of known unread items, then follows the server', () => {
    const { client, ws, unread } = connected(0, 0);
    ws.serverSend({ type: 'notification', notification: note('01A', { seq: 1 }) });
    ws.serverSend({ type: 'notification', notification: note('01B', { seq: 2 }) });
    expect(client.unreadCount).toBe(2);
    client.markRead(['01A', '01A', '01Z']);
    expect(client.unreadCount).toBe(1);
    expect(unread.at(-1)).toEqual({ count: 1, cause: 'read' });
    client.markRead(['01A']); // already read here: no second drop
    expect(client.unreadCount).toBe(1);
    ws.serverSend({ type: 'unread_count', count: 1 });
    expect(unread.at(-1)).toEqual({ count: 1, cause: 'read' }); // unchanged: no event
  });

  it('lets a group successor take the place of the unread item it replaces, named or by groupKey', () => {
    const { client, ws, received } = connected(0, 0);
    ws.serverSend({ type: 'notification', notification: note('01A', { seq: 1, groupKey: 'like:post:p1' }) });
    expect(client.unreadCount).toBe(1);
    ws.serverSend({ type: 'notification', notification: note('01B', { seq: 2, groupKey: 'like:post:p1', count: 2, data: { replaces: '01A' } }) });
    expect(client.unreadCount).toBe(1);
    // No data.replaces: the older unread item of the same group is the one replaced.
    ws.serverSend({ type: 'notification', notification: note('01C', { seq: 3, groupKey: 'like:post:p1', count: 3 }) });
    expect(client.unreadCount).toBe(1);
    expect(received.map((r) => [r.notification.id, r.isNew, r.replaces])).toEqual([
      ['01A', true, []],
      ['01B', false, ['01A']],
      ['01C', false, ['01B']],
    ]);
    client.markRead(['01A', '01B']); // superseded: they no longer count
    expect(client.unreadCount).toBe(1);
  });

  it('counts a known item that comes again read as one fewer', () => {
    const { client, ws } = connected(0, 0);
    ws.serverSend({ type: 'notification', notification: note('01A') });
    expect(client.unreadCount).toBe(1);
    ws.serverSend({ type: 'notification', notification: note('01A', { readAt: '2025-01-01T00:00:05Z' }) });
    expect(client.unreadCount).toBe(0);
  });
});

describe('compareIds and backoffDelay', () => {
  it('orders ULID-like ids as strings and numeric ids by value', () => {
    expect(compareIds('01HZX', '01HZY')).toBeLessThan(0);
    expect(compareIds('9', '10')).toBeLessThan(0);
    expect(compareIds('abc', 'abc')).toBe(0);
  });

  it('keeps every equal-jitter delay within [ceiling/2, ceiling]', () => {
    for (const r of [0, 0.3, 0.999]) {
      const d = backoffDelay(3, { baseMs: 1000, maxMs: 60_000, jitter: 'equal' }, () => r);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});

describe('gap detection (seq)', () => {
  type Gap = { from: number; to: number };

  /** A connected client that got hello with `seq`; `id(n)` is the id of the item numbered n. */
  function connected(helloSeq: number | null = 0, opts: Partial<HeraldClientOptions> = {}) {
    const t = setup(opts);
    const gaps: Gap[] = [];
    t.client.on('gap', (g) => gaps.push(g));
    t.client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'hello', sessionId: 's1', unreadCount: 0, ...(helloSeq === null ? {} : { seq: helloSeq }) });
    const push = (seq: number, extra: Record<string, unknown> = {}) => ws.serverSend({ type: 'notification', notification: note(id(seq), { seq, ...extra }) });
    return { ...t, ws, gaps, push };
  }
  // Ids sort like seq here; the point of seq is that they need not, which the successor test covers.
  const id = (seq: number) => `01N${String(seq).padStart(4, '0')}`;

  it('passes hello.seq to hello listeners and starts counting from it on the first connection', () => {
    const { client } = setup();
    const hello = vi.fn();
    client.on('hello', hello);
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'hello', sessionId: 's1', unreadCount: 2, seq: 41 });
    expect(hello).toHaveBeenCalledWith({ sessionId: 's1', unreadCount: 2, seq: 41 });
    expect(client.contiguousSeq).toBe(41);
    ws.serverSend({ type: 'notification', notification: note(id(42), { seq: 42 }) });
    expect(client.contiguousSeq).toBe(42);
    vi.advanceTimersByTime(10_000);
    expect(ws.framesOfType('resume')).toEqual([]);
  });

  it('sends no resume while frames arrive in order', () => {
    const { ws, push, gaps, statuses, client } = connected(3);
    for (let seq = 4; seq <= 10; seq += 1) {
      push(seq);
      vi.advanceTimersByTime(500);
    }
    vi.advanceTimersByTime(10_000);
    expect(ws.framesOfType('resume')).toEqual([]);
    expect(gaps).toEqual([]);
    expect(client.contiguousSeq).toBe(10);
    expect(statuses.at(-1)?.state).toBe('live');
  });

  it('waits out the grace: a number that arrives a little late is no gap', () => {
    const { ws, push, gaps, received, client } = connected(5);
    push(7);
    vi.advanceTimersByTime(1500);
    push(6);
    expect(client.contiguousSeq).toBe(7);
    vi.advanceTimersByTime(10_000);
    expect(ws.framesOfType('resume')).toEqual([]);
    expect(gaps).toEqual([]);
    expect(received.map((r) => [r.notification.id, r.isNew])).toEqual([
      [id(7), true],
      [id(6), true],
    ]);
  });

  it('resumes once after the item before a real gap, then reports caught up', () => {
    const { ws, push, gaps, statuses, received, client } = connected(3);
    push(4);
    push(5);
    push(8);
    vi.advanceTimersByTime(1999);
    expect(ws.framesOfType('resume')).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: id(5) }]);
    expect(gaps).toEqual([{ from: 6, to: 7 }]);
    expect(statuses.at(-1)?.state).toBe('catching_up');
    expect(ws.sent.at(-2)).toEqual({ type: 'resume', after: id(5) });
    expect(ws.sent.at(-1)).toEqual({ type: 'ping' });

    push(6);
    push(7);
    push(8);
    ws.serverSend({ type: 'pong' });
    expect(statuses.at(-1)?.state).toBe('caught_up');
    expect(client.contiguousSeq).toBe(8);
    expect(received.map((r) => r.notification.id)).toEqual([id(4), id(5), id(8), id(6), id(7)]);

    push(9);
    vi.advanceTimersByTime(20_000);
    expect(ws.framesOfType('resume')).toHaveLength(1);
    expect(gaps).toHaveLength(1);
  });

  it('with UUIDv7 ids, resumes from 30 s before the item below the hole: the missing id may be older', () => {
    const { ws, gaps, received } = connected(0);
    const t = Date.UTC(2026, 11, 6, 9, 0, 0);
    const v7 = (ms: number, tail: string) => {
      const hex = ms.toString(16).padStart(12, '0');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7abc-9def-${tail}`;
    };
    const older = v7(t, '000000000001');
    const below = v7(t + 5, '000000000002');
    ws.serverSend({ type: 'notification', notification: note(below, { seq: 1 }) });
    ws.serverSend({ type: 'notification', notification: note(v7(t + 9, '000000000003'), { seq: 3 }) });
    vi.advanceTimersByTime(2000);
    const cursor = earlierCursor(below, GAP_LOOKBACK_MS);
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: cursor }]);
    expect(cursor).toBe(v7(t + 5 - 30_000, '000000000000').replace('7abc-9def', '7000-8000'));
    expect(compareIds(cursor, older)).toBeLessThan(0);
    expect(gaps).toEqual([{ from: 2, to: 2 }]);
    ws.serverSend({ type: 'notification', notification: note(below, { seq: 1 }) });
    ws.serverSend({ type: 'notification', notification: note(older, { seq: 2 }) });
    ws.serverSend({ type: 'pong' });
    expect(received.map((r) => r.notification.seq)).toEqual([1, 3, 2]);
  });

  it('earlierCursor leaves an id that is not a UUIDv7 as it is', () => {
    expect(earlierCursor('01A', GAP_LOOKBACK_MS)).toBe('01A');
    expect(earlierCursor('0190a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a2b', GAP_LOOKBACK_MS)).toBe('0190a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a2b');
  });

  it('closes a hole a group successor leaves after the resume: no second resume, no loop', () => {
    const { ws, gaps, statuses, received, client } = connected(0);
    ws.serverSend({ type: 'notification', notification: note('01A', { seq: 1, groupKey: 'like:p1' }) });
    ws.serverSend({ type: 'notification', notification: note('01B', { seq: 3, groupKey: 'like:p2', count: 2, data: { replaces: '01C' } }) });
    vi.advanceTimersByTime(2000);
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: '01A' }]);
    expect(gaps).toEqual([{ from: 2, to: 2 }]);

    ws.serverSend({ type: 'notification', notification: note('01B', { seq: 3, groupKey: 'like:p2', count: 2, data: { replaces: '01C' } }) });
    ws.serverSend({ type: 'pong' });
    expect(statuses.at(-1)?.state).toBe('caught_up');
    expect(client.contiguousSeq).toBe(3);

    ws.serverSend({ type: 'notification', notification: note('01D', { seq: 4 }) });
    vi.advanceTimersByTime(20_000);
    expect(ws.framesOfType('resume')).toHaveLength(1);
    expect(gaps).toHaveLength(1);
    expect(received.map((r) => r.notification.id)).toEqual(['01A', '01B', '01D']);
  });

  it('leaves items without seq (written before numbering) out of gap detection', () => {
    const old = connected(null);
    old.ws.serverSend({ type: 'notification', notification: note('01A') });
    old.ws.serverSend({ type: 'notification', notification: note('01B') });
    vi.advanceTimersByTime(10_000);
    expect(old.ws.framesOfType('resume')).toEqual([]);
    expect(old.client.contiguousSeq).toBeNull();
    old.client.stop();

    FakeWebSocket.instances = [];
    const mixed = connected(2);
    mixed.ws.serverSend({ type: 'notification', notification: note('01C') });
    mixed.ws.serverSend({ type: 'notification', notification: note('01D', { seq: null }) });
    mixed.push(3);
    mixed.ws.serverSend({ type: 'notification', notification: note('01E') });
    vi.advanceTimersByTime(10_000);
    expect(mixed.ws.framesOfType('resume')).toEqual([]);
    expect(mixed.gaps).toEqual([]);
    expect(mixed.client.contiguousSeq).toBe(3);
    expect(mixed.received.map((r) => r.notification.id)).toEqual(['01C', '01D', id(3), '01E']);
  });

  it('gives a later hole its own full grace once the first one fills', () => {
    const { ws, push, gaps } = connected(5);
    push(7);
    vi.advanceTimersByTime(1500);
    push(6);
    push(9);
    vi.advanceTimersByTime(1000);
    expect(ws.framesOfType('resume')).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: id(7) }]);
    expect(gaps).toEqual([{ from: 8, to: 8 }]);
  });

  it('lets the HTTP inbox fill a hole, but never open one', () => {
    const { ws, push, client } = connected(5);
    client.noteSeen([note(id(9), { seq: 9 })]);
    vi.advanceTimersByTime(10_000);
    expect(ws.framesOfType('resume')).toEqual([]);
    push(7);
    client.noteSeen([note(id(6), { seq: 6 })]);
    expect(client.contiguousSeq).toBe(7);
    vi.advanceTimersByTime(10_000);
    expect(ws.framesOfType('resume')).toEqual([]);
  });

  it('uses the gap grace option', () => {
    const { ws, push } = connected(0, { gapGraceMs: 500 });
    push(1);
    push(3);
    vi.advanceTimersByTime(499);
    expect(ws.framesOfType('resume')).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: id(1) }]);
  });

  it('falls back to the nearest known id below the hole, then to the newest id', () => {
    const a = connected(10);
    a.client.noteSeen([note(id(8), { seq: 8 })]);
    a.push(12);
    vi.advanceTimersByTime(2000);
    expect(a.ws.framesOfType('resume')).toEqual([{ type: 'resume', after: id(8) }]);
    a.client.stop();

    FakeWebSocket.instances = [];
    const b = connected(10);
    b.push(12);
    vi.advanceTimersByTime(2000);
    expect(b.ws.framesOfType('resume')).toEqual([{ type: 'resume', after: id(12) }]);
  });

  it('never sends a second resume while one runs: holes seen during a catch-up are settled by its barrier', () => {
    const { ws, push, client, statuses } = connected(3);
    push(4);
    push(6);
    vi.advanceTimersByTime(2000);
    expect(ws.framesOfType('resume')).toHaveLength(1);
    push(8);
    vi.advanceTimersByTime(5000);
    expect(ws.framesOfType('resume')).toHaveLength(1);
    ws.serverSend({ type: 'pong' });
    expect(statuses.at(-1)?.state).toBe('caught_up');
    expect(client.contiguousSeq).toBe(8);
    vi.advanceTimersByTime(10_000);
    expect(ws.framesOfType('resume')).toHaveLength(1);
  });

  it('does not take the pong to an earlier ping for the end of the replay', () => {
    const { ws, push, statuses, client } = connected(3);
    push(4);
    vi.advanceTimersByTime(25_000);
    expect(ws.framesOfType('ping')).toHaveLength(1);
    push(6);
    vi.advanceTimersByTime(2000);
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: id(4) }]);
    ws.serverSend({ type: 'pong' });
    expect(statuses.at(-1)?.state).toBe('catching_up');
    push(5);
    ws.serverSend({ type: 'pong' });
    expect(statuses.at(-1)?.state).toBe('caught_up');
    expect(client.contiguousSeq).toBe(6);
  });

  it('keeps a resume_in_progress refusal to itself', () => {
    const { ws, client } = connected(0);
    const error = vi.fn();
    client.on('error', error);
    ws.serverSend({ type: 'error', code: 'resume_in_progress', message: 'a resume is already running on this socket' });
    ws.serverSend({ type: 'error', code: 'resume_failed', message: 'the inbox could not be read' });
    expect(error.mock.calls).toEqual([[{ code: 'resume_failed', message: 'the inbox could not be read' }]]);
  });

  it('on a reconnect leaves holes to the resume, and settles up to hello.seq when its replay ends', () => {
    const { ws, push, client, statuses, gaps } = connected(3);
    push(4);
    push(6);
    ws.drop();
    vi.advanceTimersByTime(statuses.at(-1)!.retryInMs!);
    const second = FakeWebSocket.latest();
    expect(second).not.toBe(ws);
    second.serverOpen();
    expect(second.framesOfType('resume')).toEqual([{ type: 'resume', after: id(6) }]);
    second.serverSend({ type: 'hello', sessionId: 's2', unreadCount: 0, seq: 9 });
    second.serverSend({ type: 'notification', notification: note(id(7), { seq: 7 }) });
    vi.advanceTimersByTime(5000);
    expect(second.framesOfType('resume')).toHaveLength(1);
    second.serverSend({ type: 'pong' });
    expect(statuses.at(-1)?.state).toBe('caught_up');
    expect(client.contiguousSeq).toBe(9);
    second.serverSend({ type: 'notification', notification: note(id(10), { seq: 10 }) });
    vi.advanceTimersByTime(10_000);
    expect(ws.framesOfType('resume')).toEqual([]);
    expect(second.framesOfType('resume')).toHaveLength(1);
    expect(gaps).toEqual([]);
  });

  it('on a first connection that resumes (inbox loaded first) stays live and judges no hole before the replay ends', () => {
    const { client, statuses } = setup();
    client.noteSeen([note(id(2), { seq: 2 })]);
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    expect(ws.sent).toEqual([{ type: 'resume', after: id(2) }, { type: 'ping' }]);
    expect(statuses.at(-1)?.state).toBe('live');
    ws.serverSend({ type: 'hello', sessionId: 's1', unreadCount: 0, seq: 4 });
    ws.serverSend({ type: 'notification', notification: note(id(4), { seq: 4 }) });
    ws.serverSend({ type: 'notification', notification: note(id(6), { seq: 6 }) });
    vi.advanceTimersByTime(5000);
    expect(ws.framesOfType('resume')).toHaveLength(1);
    ws.serverSend({ type: 'pong' });
    expect(statuses.at(-1)?.state).toBe('live');
    expect(client.contiguousSeq).toBe(6);
  });

  it('starts over when a hello is below the numbers already seen (the stream was reset)', () => {
    const { ws, push, client, statuses } = connected(3);
    push(4);
    push(5);
    ws.drop();
    vi.advanceTimersByTime(statuses.at(-1)!.retryInMs!);
    const second = FakeWebSocket.latest();
    second.serverOpen();
    second.serverSend({ type: 'hello', sessionId: 's2', unreadCount: 0, seq: 1 });
    expect(client.contiguousSeq).toBe(1);
    second.serverSend({ type: 'pong' });
    second.serverSend({ type: 'notification', notification: note('02A', { seq: 2 }) });
    expect(client.contiguousSeq).toBe(2);
    vi.advanceTimersByTime(5000);
    expect(second.framesOfType('resume')).toHaveLength(1);
  });

  it('keeps the seq -> id map and the seen ids bounded', () => {
    const { push, client } = connected(0);
    for (let seq = 1; seq <= 5000; seq += 1) push(seq);
    expect(client.contiguousSeq).toBe(5000);
    expect(client['seqIds'].size).toBeLessThanOrEqual(2000);
    expect(client['seen'].size).toBeLessThanOrEqual(2000);
  });

  it('forgets the stream position on reset() (sign-out)', () => {
    const { push, client } = connected(3);
    push(4);
    push(6);
    client.reset();
    vi.advanceTimersByTime(10_000);
    expect(client.contiguousSeq).toBeNull();
    expect(client['seqIds'].size).toBe(0);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('listeners', () => {
  it('keeps going when a listener throws, reporting it', () => {
    const reported = vi.fn();
    const { client, received } = setup({ onListenerError: reported });
    client.on('notification', () => {
      throw new Error('boom');
    });
    client.start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().serverSend({ type: 'notification', notification: note('01A') });
    expect(received).toHaveLength(1);
    expect(reported).toHaveBeenCalledWith(expect.any(Error), 'notification');
  });

  it('unsubscribes', () => {
    const { client } = setup();
    const fn = vi.fn();
    const off = client.on('status', fn);
    off();
    client.start();
    expect(fn).not.toHaveBeenCalled();
  });
});
