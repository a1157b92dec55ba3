import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badTokens, buildGateway, metricsOf, tokenFor } from '../support/gateway.js';
import { deadUrl } from '../support/upstreams.js';
import type { Gateway } from '../../src/gateway.js';

/** A stand-in notification-service /ws: says hello, echoes every frame, records each handshake. */
async function startWsUpstream() {
  const handshakes: IncomingMessage[] = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/ws',
    // Like the real service (chooseProtocol): the first offered name that is not the token, else the token.
    handleProtocols: (protocols) => [...protocols].find((p) => !p.startsWith('bearer.')) ?? [...protocols].find((p) => p.startsWith('bearer.')) ?? false,
  });
  await once(wss, 'listening');
  wss.on('connection', (socket, req) => {
    handshakes.push(req);
    socket.send(JSON.stringify({ type: 'hello', sessionId: 's1', unreadCount: 0 }));
    socket.on('message', (data, isBinary) => socket.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }));
  });
  const { port } = wss.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, handshakes, wss, close: () => new Promise<void>((r) => wss.close(() => r())) };
}

/** An open client whose frames are queued from the first byte (hello can arrive with the 101). */
interface Client {
  ws: WebSocket;
  next(): Promise<string>;
}
type Outcome = { open: Client; status?: undefined; body?: undefined } | { open?: undefined; status: number; body: string };

/** Connects and reports either the open socket or the HTTP refusal the server answered with. */
function connect(url: string, protocols?: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const frames: string[] = [];
    const waiters: Array<(frame: string) => void> = [];
    ws.on('message', (data, isBinary) => {
      const frame = isBinary ? `binary:${[...(data as Buffer)].join(',')}` : String(data);
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    });
    const next = () => (frames.length ? Promise.resolve(frames.shift()!) : new Promise<string>((r) => waiters.push(r)));
    ws.once('open', () => resolve({ open: { ws, next } }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

describe('/ws through the gateway', () => {
  let upstream: Awaited<ReturnType<typeof startWsUpstream>>;
  let gateway: Gateway;
  let base: string;

  beforeAll(async () => {
    upstream = await startWsUpstream();
    gateway = await buildGateway({ NOTIFICATION_SERVICE_URL: upstream.url, READY_CHECKS_UPSTREAMS: 'false' });
    await gateway.start({ port: 0, host: '127.0.0.1' });
    const { port } = gateway.app.server.address() as { port: number };
    base = `ws://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it.each([
    ['no token', () => '/ws'],
    ['a malformed token', () => '/ws?token=not-a-jwt'],
    ['an expired token', () => `/ws?token=${badTokens.expired()}`],
    ['a token signed with another key', () => `/ws?token=${badTokens.otherKey()}`],
  ])('refuses the upgrade with a plain 401 for %s, and the upstream never hears of it', async (_what, path) => {
    const before = upstream.handshakes.length;
    const outcome = await connect(`${base}${path()}`);
    expect(outcome.status).toBe(401);
    expect(JSON.parse(outcome.body!).error.code).toMatch(/^(missing_token|invalid_token|token_expired)$/);
    expect(upstream.handshakes.length).toBe(before);
  });

  it('refuses a bad bearer subprotocol with 401 too', async () => {
    const outcome = await connect(`${base}/ws`, [`bearer.${badTokens.tampered()}`]);
    expect(outcome.status).toBe(401);
  });

  it('tunnels a socket with ?token= to the upstream, frames flowing both ways', async () => {
    const token = tokenFor();
    const { open: client } = await connect(`${base}/ws?token=${token}&resume=01`);
    const ws = client!.ws;
    expect(JSON.parse(await client!.next())).toMatchObject({ type: 'hello' });
    ws.send('{"type":"ping"}');
    expect(await client!.next()).toBe('echo:{"type":"ping"}');
    ws.send(Buffer.from([1, 2, 3]));
    expect(await client!.next()).toBe('binary:1,2,3');
    // A large frame crosses intact (the tunnel does not re-frame or truncate).
    const big = 'x'.repeat(256 * 1024);
    ws.send(big);
    expect(await client!.next()).toBe(`echo:${big}`);
    // The upstream got the same query (it verifies the token again) and the request id.
    const handshake = upstream.handshakes.at(-1)!;
    expect(handshake.url).toBe(`/ws?token=${token}&resume=01`);
    expect(handshake.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    ws.close();
    await once(ws, 'close');
  });

  it('carries the bearer subprotocols end to end, the client seeing plain bearer accepted', async () => {
    const token = tokenFor();
    const { open: client } = await connect(`${base}/ws`, ['bearer', `bearer.${token}`]);
    expect(client!.ws.protocol).toBe('bearer');
    await client!.next(); // hello
    client!.ws.send('hi');
    expect(await client!.next()).toBe('echo:hi');
    client!.ws.close();
  });

  it('closes the client when the upstream goes away, and counts open tunnels', async () => {
    const { open: client } = await connect(`${base}/ws?token=${tokenFor()}`);
    const ws = client!.ws;
    await client!.next();
    const metrics = () => metricsOf(gateway);
    expect(await metrics()).toMatch(/gateway_websocket_tunnels\{[^}]*\} 1/);
    const closed = once(ws, 'close');
    for (const client of upstream.wss.clients) client.terminate();
    await closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(await metrics()).toMatch(/gateway_websocket_tunnels\{[^}]*\} 0/);
  });

  it('answers a plain GET /ws with 426 in the error shape', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/ws' });
    expect(res.statusCode).toBe(426);
    expect(res.json().error.code).toBe('upgrade_required');
  });

  it('answers an upgrade to any other path with a plain 404', async () => {
    const outcome = await connect(`${base}/api/v1/notifications?token=${tokenFor()}`);
    expect(outcome.status).toBe(404);
  });
});

describe('/ws with notification-service down', () => {
  it('refuses the upgrade with 503 naming the service', async () => {
    const gateway = await buildGateway({ NOTIFICATION_SERVICE_URL: await deadUrl() });
    await gateway.start({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = gateway.app.server.address() as { port: number };
      const outcome = await connect(`ws://127.0.0.1:${port}/ws?token=${tokenFor()}`);
      expect(outcome.status).toBe(503);
      expect(JSON.parse(outcome.body!).error).toMatchObject({ code: 'service_unavailable', details: { service: 'notification-service' } });
    } finally {
      await gateway.close();
    }
  });
});

describe('/ws and the per-IP limit', () => {
  it('counts upgrade attempts like any request and refuses the excess with 429', async () => {
    const upstream = await startWsUpstream();
    const gateway = await buildGateway({ NOTIFICATION_SERVICE_URL: upstream.url, RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '2' });
    await gateway.start({ port: 0, host: '127.0.0.1' });
    try {
      const url = `ws://127.0.0.1:${(gateway.app.server.address() as { port: number }).port}/ws`;
      expect((await connect(url)).status).toBe(401);
      const { open } = await connect(`${url}?token=${tokenFor()}`);
      open!.ws.close();
      const refused = await connect(`${url}?token=${tokenFor()}`);
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body!).error.code).toBe('rate_limited');
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
