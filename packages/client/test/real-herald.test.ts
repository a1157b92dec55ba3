/**
 * The SDK against a real Herald: the embedded stack in process (gateway, user-service,
 * notification-service on PGlite), reached through a TCP proxy that plays the network. Node 20 has
 * no global WebSocket, so the `ws` package's is passed in, as a Node app would.
 *
 * Run: npx vitest run --project client packages/client/test/real-herald.test.ts
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HeraldClient, type HeraldClientOptions, type NotificationEvent, type StatusEvent, type UnreadEvent } from '../src/index.js';
import { api, startStack, waitFor, type Account, type Stack } from './support/stack.js';

let stack: Stack;
let http: ReturnType<typeof api>;
const clients: HeraldClient[] = [];

beforeAll(async () => {
  stack = await startStack();
  http = api(stack);
}, 120_000);

afterEach(() => {
  for (const client of clients.splice(0)) client.stop();
  stack.proxy.restore();
});

afterAll(async () => {
  await stack?.close();
});

function connect(account: Account, opts: Partial<HeraldClientOptions> = {}) {
  const client = new HeraldClient({
    url: stack.proxy.wsUrl,
    getToken: () => account.accessToken,
    WebSocket,
    backoff: { baseMs: 200, maxMs: 2000 },
    ...opts,
  });
  clients.push(client);
  const events: NotificationEvent[] = [];
  const statuses: StatusEvent[] = [];
  const unread: UnreadEvent[] = [];
  client.on('notification', (e) => events.push(e));
  client.on('status', (s) => statuses.push(s));
  client.on('unread', (u) => unread.push(u));
  return {
    client,
    events,
    statuses,
    unread,
    ids: () => events.map((e) => e.notification.id),
    /** Resolves once `state` is reported after status number `since`. */
    reached: (state: StatusEvent['state'], since: number, timeoutMs = 20_000) => waitFor(() => statuses.slice(since).some((s) => s.state === state), state, timeoutMs),
    greeted: () => waitFor(() => client.unreadCount !== null, 'hello'),
  };
}

const sorted = (ids: readonly string[]) => [...ids].sort();
const once = (ids: readonly string[]) => new Set(ids).size === ids.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('HeraldClient against a real Herald', () => {
  it('recovers from network drops: reconnects, resumes, nothing lost or doubled (and measures network back → resumed)', async () => {
    const ana = await http.register('drop');
    const live = connect(ana);
    live.client.start();
    await live.greeted();
    const expected = await http.send(ana.user.id, 3);
    await waitFor(() => live.events.length === 3, 'the first three, live');

    const rounds: Array<{ missed: number; totalMs: number; openMs: number }> = [];
    for (let round = 0; round < 5; round += 1) {
      stack.proxy.cut();
      await waitFor(() => live.client.state === 'reconnecting', 'the drop noticed');
      const missed = await http.send(ana.user.id, 20);
      expected.push(...missed);
      await waitFor(async () => (await http.unreadCount(ana)) === expected.length, 'the missed ones stored');
      const mark = live.statuses.length;
      const seen = live.events.length;

      // The network is back; the app learns it (a browser's `online` event) and skips the backoff.
      stack.proxy.restore();
      const t0 = performance.now();
      live.client.reconnectNow();
      await live.reached('catching_up', mark);
      const opened = performance.now();
      await live.reached('caught_up', mark);
      const done = performance.now();
      rounds.push({ missed: missed.length, totalMs: done - t0, openMs: opened - t0 });

      const replayed = live.ids().slice(seen);
      expect(replayed).toEqual(sorted(missed)); // the replay: every missed one, oldest first
    }
    expect(once(live.ids())).toBe(true);
    expect(sorted(live.ids())).toEqual(sorted(expected));
    expect(live.client.unreadCount).toBe(await http.unreadCount(ana));

    console.log(
      `[client recovery] network back → resumed (reconnect + replay of 20 missed, caught_up), ${rounds.length} drops: ` +
        rounds.map((r) => `${r.totalMs.toFixed(1)} ms (open ${r.openMs.toFixed(1)})`).join(', ') +
        `; median ${median(rounds.map((r) => r.totalMs)).toFixed(1)} ms`,
    );
  }, 120_000);

  it('finds a half-open socket with its ping, replaces it and resumes', async () => {
    const ana = await http.register('halfopen');
    const live = connect(ana, { pingIntervalMs: 500, pongTimeoutMs: 500 });
    live.client.start();
    await live.greeted();
    const expected = await http.send(ana.user.id, 2);
    await waitFor(() => live.events.length === 2, 'two live');

    const mark = live.statuses.length;
    const t0 = performance.now();
    stack.proxy.freeze(); // the socket stays open and carries nothing
    expected.push(...(await http.send(ana.user.id, 5)));
    await live.reached('caught_up', mark);
    const ms = performance.now() - t0;

    expect(live.statuses.slice(mark).find((s) => s.state === 'reconnecting')).toMatchObject({ closeCode: 4000 });
    await waitFor(() => live.events.length === expected.length, 'all seven');
    expect(once(live.ids())).toBe(true);
    expect(sorted(live.ids())).toEqual(sorted(expected));
    console.log(`[client half-open] frozen socket → found by ping (500 ms period, 500 ms pong timeout), replaced and resumed in ${ms.toFixed(0)} ms`);
  }, 60_000);

  it('on 4401 (its access token expired) fetches a new token through getToken, reconnects and resumes', async () => {
    const bo = await http.register('expiry');
    const reasons: string[] = [];
    const live = connect(bo, {
      // The first token expires in 2 s (jsonwebtoken counts whole seconds: 1-2 s from now); the
      // next comes from POST /api/v1/auth/refresh, as an app's would.
      getToken: async ({ reason }) => {
        reasons.push(reason);
        return reason === 'connect' ? stack.shortToken(bo.user.id, bo.user.username, 2) : http.refresh(bo);
      },
    });
    let unauthorized = 0;
    live.client.on('unauthorized', () => (unauthorized += 1));
    live.client.start();
    await live.greeted();
    const expected = await http.send(bo.user.id, 2);
    await waitFor(() => live.events.length === 2, 'two live');

    const mark = live.statuses.length;
    await waitFor(() => unauthorized > 0, 'the 4401 close at the token expiry', 5_000);
    expected.push(...(await http.send(bo.user.id, 2))); // while it reconnects
    await live.reached('caught_up', mark);
    await waitFor(() => live.events.length === 4, 'the two sent around the reconnect');
    expected.push(...(await http.send(bo.user.id, 1)));
    await waitFor(() => live.events.length === 5, 'one more, live on the new socket');

    expect(live.statuses.slice(mark).find((s) => s.state === 'reconnecting')).toMatchObject({ closeCode: 4401 });
    expect(reasons).toEqual(['connect', 'unauthorized']);
    expect(unauthorized).toBe(1);
    expect(once(live.ids())).toBe(true);
    expect(sorted(live.ids())).toEqual(sorted(expected));
  }, 60_000);

  it('resumes 1,000 missed notifications: each arrives once, in order, and the badge is exact', async () => {
    const cy = await http.register('backlog');
    const live = connect(cy);
    live.client.start();
    await live.greeted();
    const [first] = await http.send(cy.user.id, 1);
    await waitFor(() => live.events.length === 1, 'the first, live');

    stack.proxy.cut();
    await waitFor(() => live.client.state === 'reconnecting', 'the drop noticed');
    const sender = await http.register('sender');
    await stack.messages(sender, cy.user.id, 1000);
    await waitFor(async () => (await http.unreadCount(cy)) === 1001, '1,001 stored', 60_000);
    const missed = (await http.inboxIds(cy)).filter((id) => id !== first);
    expect(missed).toHaveLength(1000);

    const mark = live.statuses.length;
    stack.proxy.restore();
    const t0 = performance.now();
    live.client.reconnectNow();
    await live.reached('caught_up', mark, 60_000);
    const ms = performance.now() - t0;

    const replayed = live.ids().slice(1);
    expect(replayed).toHaveLength(1000);
    expect(replayed).toEqual(sorted(missed));
    expect(live.ids()[0]).toBe(first);
    expect(live.events.every((e) => e.isNew)).toBe(true);
    expect(live.client.unreadCount).toBe(1001);
    expect(await http.unreadCount(cy)).toBe(1001);
    console.log(`[client backlog] network back → 1,000 missed notifications replayed and caught up in ${ms.toFixed(0)} ms`);
  }, 180_000);

  it('stops cleanly at any point, even while its socket is still connecting', async () => {
    const eve = await http.register('stop');
    for (const wait of [0, 1, 5, 20]) {
      const live = connect(eve);
      live.client.start();
      await new Promise((r) => setTimeout(r, wait));
      live.client.stop();
      expect(live.client.state).toBe('stopped');
    }
    await new Promise((r) => setTimeout(r, 200)); // an 'error' from a socket closed while connecting would have thrown by now
  });

  it('keeps two clients of one person in step: both get everything, a read on one moves the badge on the other', async () => {
    const dee = await http.register('twotabs');
    const a = connect(dee);
    const b = connect(dee);
    a.client.start();
    b.client.start();
    await Promise.all([a.greeted(), b.greeted()]);

    const ids = await http.send(dee.user.id, 10);
    await waitFor(() => a.events.length === 10 && b.events.length === 10, 'ten on both');
    expect(sorted(a.ids())).toEqual(sorted(ids));
    expect(sorted(b.ids())).toEqual(sorted(ids));
    await waitFor(() => a.client.unreadCount === 10 && b.client.unreadCount === 10, 'both badges at 10');

    expect(a.client.markRead(ids.slice(0, 3))).toBe(true);
    expect(a.client.unreadCount).toBe(7); // at once, before the server answers
    await waitFor(() => b.client.unreadCount === 7, "b's badge after a's read");
    expect(b.unread.at(-1)).toEqual({ count: 7, cause: 'unread_count' });
    expect(await http.unreadCount(dee)).toBe(7);

    // A read elsewhere (HTTP, another device) reaches both.
    const res = await fetch(`${stack.url}/api/v1/notifications/${ids[5]}/read`, { method: 'POST', headers: { authorization: `Bearer ${dee.accessToken}` } });
    expect(res.status).toBe(204);
    await waitFor(() => a.client.unreadCount === 6 && b.client.unreadCount === 6, 'both badges at 6');
    expect(once(a.ids()) && once(b.ids())).toBe(true);
  }, 60_000);
});
