import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GAP_LOOKBACK_MS, LiveClient, MAX_READ_IDS, backoffDelay, compareIds, earlierCursor } from '../public/live.js';
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

  it('splits a read of more than MAX_READ_IDS ids into frames the server accepts', () => {
    const { client } = setup();
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    const ids = Array.from({ length: 450 }, (_, i) => `01R${String(i).padStart(4, '0')}`);
    expect(client.markRead(ids)).toBe(true);
    const frames = ws.framesOfType('read') as { ids: string[] }[];
    expect(frames.map((f) => f.ids.length)).toEqual([MAX_READ_IDS, MAX_READ_IDS, 50]);
    expect(frames.flatMap((f) => f.ids)).toEqual(ids);
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

describe('LiveClient gap detection (seq)', () => {
  type Gap = { from: number; to: number };

  /** A connected client that got hello with `seq`; `id(n)` is the id of the item numbered n. */
  function connected(helloSeq: number | null = 0, opts: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}) {
    const t = setup(opts);
    const gaps: Gap[] = [];
    t.client.on('gap', (g: Gap) => gaps.push(g));
    t.client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    ws.serverSend({ type: 'hello', sessionId: 's1', unreadCount: 0, ...(helloSeq === null ? {} : { seq: helloSeq }) });
    const push = (seq: number, extra: Record<string, unknown> = {}) =>
      ws.serverSend({ type: 'notification', notification: note(id(seq), { seq, ...extra }) });
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
    // The next live item is 42: no gap, nothing to wait for.
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
    // The ping right after the resume is the end-of-replay barrier.
    expect(ws.sent.at(-2)).toEqual({ type: 'resume', after: id(5) });
    expect(ws.sent.at(-1)).toEqual({ type: 'ping' });

    // The replay: everything after 5 in seq order, 8 included (a duplicate, dropped).
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
    // Minted at t and t+5 ms, numbered in the other order: 2's transaction committed first.
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
    // The replay from the cursor: the item below comes again (dropped), the missing one arrives.
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
    // 1: "Ana liked your post"; 2: lost on the way; 3 grew the group and superseded 2, so 2 is never
    // replayed. The successor's id is older than the item it replaced (ids are not commit order).
    ws.serverSend({ type: 'notification', notification: note('01A', { seq: 1, groupKey: 'like:p1' }) });
    ws.serverSend({ type: 'notification', notification: note('01B', { seq: 3, groupKey: 'like:p2', count: 2, data: { replaces: '01C' } }) });
    vi.advanceTimersByTime(2000);
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: '01A' }]);
    expect(gaps).toEqual([{ from: 2, to: 2 }]);

    // The replay brings 3 again (dropped as a duplicate) and nothing for 2.
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
    // An older server: hello without seq, items without seq.
    const old = connected(null);
    old.ws.serverSend({ type: 'notification', notification: note('01A') });
    old.ws.serverSend({ type: 'notification', notification: note('01B') });
    vi.advanceTimersByTime(10_000);
    expect(old.ws.framesOfType('resume')).toEqual([]);
    expect(old.client.contiguousSeq).toBeNull();
    old.client.stop();

    // A numbered stream that still holds unnumbered items: they are neither holes nor fillers.
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
    push(7); // 6 missing: grace from t=0
    vi.advanceTimersByTime(1500);
    push(6);
    push(9); // 8 missing: grace from t=1500
    vi.advanceTimersByTime(1000); // t=2500: the first timer would have fired by now
    expect(ws.framesOfType('resume')).toEqual([]);
    vi.advanceTimersByTime(1000); // t=3500
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: id(7) }]);
    expect(gaps).toEqual([{ from: 8, to: 8 }]);
  });

  it('lets the HTTP inbox fill a hole, but never open one', () => {
    const { ws, push, client } = connected(5);
    client.noteSeen([note(id(9), { seq: 9 })]); // a page can skip numbers (filtered): no gap from that
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
    // hello.seq 10, but this tab never saw item 10; it knows 8 from the inbox.
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
    // Still replaying, and the live frames that follow skip numbers too.
    push(8);
    vi.advanceTimersByTime(5000); // (under the 10 s pong timeout)
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
    vi.advanceTimersByTime(25_000); // the periodic ping goes out; its pong is still on the way
    expect(ws.framesOfType('ping')).toHaveLength(1);
    push(6);
    vi.advanceTimersByTime(2000);
    expect(ws.framesOfType('resume')).toEqual([{ type: 'resume', after: id(4) }]);
    ws.serverSend({ type: 'pong' }); // answers the periodic ping
    expect(statuses.at(-1)?.state).toBe('catching_up');
    push(5);
    ws.serverSend({ type: 'pong' }); // answers the barrier ping
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
    push(6); // 5 missing
    ws.drop(); // within the grace: the reconnect's resume covers it
    vi.advanceTimersByTime(statuses.at(-1)!.retryInMs!);
    const second = FakeWebSocket.latest();
    expect(second).not.toBe(ws);
    second.serverOpen();
    expect(second.framesOfType('resume')).toEqual([{ type: 'resume', after: id(6) }]);
    second.serverSend({ type: 'hello', sessionId: 's2', unreadCount: 0, seq: 9 });
    second.serverSend({ type: 'notification', notification: note(id(7), { seq: 7 }) });
    vi.advanceTimersByTime(5000); // no gap resume while the reconnect's replay runs
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

  it('on a first connection that resumes (inbox loaded first) stays Live and judges no hole before the replay ends', () => {
    const { client, statuses } = setup();
    client.noteSeen([note(id(2), { seq: 2 })]);
    client.start();
    const ws = FakeWebSocket.latest();
    ws.serverOpen();
    expect(ws.sent).toEqual([{ type: 'resume', after: id(2) }, { type: 'ping' }]);
    expect(statuses.at(-1)?.state).toBe('live');
    ws.serverSend({ type: 'hello', sessionId: 's1', unreadCount: 0, seq: 4 });
    ws.serverSend({ type: 'notification', notification: note(id(4), { seq: 4 }) }); // replay; 3 was superseded
    ws.serverSend({ type: 'notification', notification: note(id(6), { seq: 6 }) }); // live, held until the replay ended
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
    expect(second.framesOfType('resume')).toHaveLength(1); // only the reconnect's own
  });

  it('keeps the seq -> id map bounded', () => {
    const { push, client } = connected(0);
    for (let seq = 1; seq <= 5000; seq += 1) push(seq);
    expect(client.contiguousSeq).toBe(5000);
    expect(client.seqIds.size).toBeLessThanOrEqual(2000);
    expect(client.seen.size).toBeLessThanOrEqual(2000);
  });

  it('forgets the stream position on reset() (sign-out)', () => {
    const { push, client } = connected(3);
    push(4);
    push(6);
    client.reset();
    vi.advanceTimersByTime(10_000);
    expect(client.contiguousSeq).toBeNull();
    expect(client.seqIds.size).toBe(0);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
