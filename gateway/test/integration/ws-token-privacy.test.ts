import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { Writable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSubprotocol, createLogger, createMetricsRegistry, TokenVerifier } from '@herald/platform';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { readGatewayConfig } from '../../src/config.js';
import { keys, tokenFor } from '../support/gateway.js';

/**
 * A stand-in notification-service /ws choosing its subprotocol as the real one does (chooseSubprotocol
 * of @herald/platform): the first offered name that is not `bearer.<jwt>`,
 * else the token itself. `echoToken` makes it pick the token regardless (a misbehaving upstream).
 */
async function startWsUpstream() {
  const handshakes: IncomingMessage[] = [];
  const state = { echoToken: false };
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/ws',
    handleProtocols: (offered) => {
      const list = [...offered];
      const bearerToken = list.find((p) => p.startsWith('bearer.'));
      if (state.echoToken && bearerToken) return bearerToken;
      return chooseSubprotocol(list);
    },
  });
  await once(wss, 'listening');
  wss.on('connection', (socket, req) => {
    handshakes.push(req);
    socket.send(JSON.stringify({ type: 'hello', sessionId: 's1', unreadCount: 0 }));
  });
  const { port } = wss.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, handshakes, state, close: () => new Promise<void>((r) => wss.close(() => r())) };
}

/** Sends an upgrade request by hand and returns the raw response head, exactly as the client gets it. */
async function rawUpgrade(port: number, path: string, protocols?: string): Promise<{ head: string; status: number; body: string }> {
  const socket = tcpConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ...(protocols ? [`Sec-WebSocket-Protocol: ${protocols}`] : []),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  let data = '';
  socket.setEncoding('latin1');
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    socket.on('data', (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\r\n\r\n');
      // A 101 has no body; a refusal is complete once its Content-Length is in.
      if (end >= 0 && (data.startsWith('HTTP/1.1 101') || data.length >= end + 4 + Number(/content-length: (\d+)/i.exec(data)?.[1] ?? 0))) done();
    });
    socket.on('close', done);
  });
  socket.destroy();
  const end = data.indexOf('\r\n\r\n');
  return { head: data.slice(0, end), status: Number(data.slice(9, 12)), body: data.slice(end + 4) };
}

/** Collects every log line the gateway writes. */
function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}

// Findings: web-demo put the access token in the WebSocket URL (?token=), where access logs keep it;
// a client offering the `bearer.<jwt>` subprotocol got the token echoed in the 101's
// Sec-WebSocket-Protocol; and request logs printed URLs with their ?token= in them.
describe('access tokens stay out of WebSocket response headers and out of logs', () => {
  let upstream: Awaited<ReturnType<typeof startWsUpstream>>;
  let gateway: Gateway;
  let port: number;
  const sink = logSink();
  const logRequests = process.env.LOG_REQUESTS;

  beforeAll(async () => {
    upstream = await startWsUpstream();
    // Request logging on, as an operator debugging would have it: that is when URLs are written.
    process.env.LOG_REQUESTS = 'true';
    gateway = await createGateway({
      config: readGatewayConfig({ NOTIFICATION_SERVICE_URL: upstream.url, USER_SERVICE_URL: upstream.url, POST_SERVICE_URL: upstream.url, READY_CHECKS_UPSTREAMS: 'false', RATE_LIMIT_ENABLED: 'false', METRICS_PORT: '0' }),
      logger: createLogger('gateway', 'debug', sink.stream),
      registry: createMetricsRegistry('gateway'),
      verifier: new TokenVerifier(keys.publicKey),
    });
    await gateway.start({ port: 0, host: '127.0.0.1' });
    port = (gateway.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    if (logRequests === undefined) delete process.env.LOG_REQUESTS;
    else process.env.LOG_REQUESTS = logRequests;
    await gateway?.close();
    await upstream?.close();
  });

  it("accepts ['bearer', 'bearer.<jwt>'] and answers 'bearer': the token is nowhere in the 101", async () => {
    const token = tokenFor();
    const { head, status } = await rawUpgrade(port, '/ws', `bearer, bearer.${token}`);
    expect(status).toBe(101);
    expect(head).toMatch(/^sec-websocket-protocol: bearer$/im);
    expect(head).not.toContain(token);
    expect(head).not.toMatch(/bearer\./i);
    // The upstream still got the token to verify it again (internal hop), and selected plain bearer.
    expect(upstream.handshakes.at(-1)!.headers['sec-websocket-protocol']).toBe(`bearer, bearer.${token}`);
  });

  it('works from a real client the way web-demo connects (no token in the URL)', async () => {
    const token = tokenFor();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['bearer', `bearer.${token}`]);
    const [hello] = await once(ws, 'message');
    expect(JSON.parse(String(hello))).toMatchObject({ type: 'hello' });
    expect(ws.protocol).toBe('bearer');
    expect(upstream.handshakes.at(-1)!.url).toBe('/ws');
    ws.close();
  });

  it("accepts 'bearer.<jwt>' offered alone (the older form docs/api.md still allows), which can only be answered with itself", async () => {
    upstream.state.echoToken = true;
    try {
      const token = tokenFor();
      const { status, head } = await rawUpgrade(port, '/ws', `bearer.${token}`);
      expect(status).toBe(101);
      expect(head.toLowerCase()).toContain(`sec-websocket-protocol: bearer.${token}`.toLowerCase());
      // Still a 401 first when the token itself is bad.
      expect((await rawUpgrade(port, '/ws', 'bearer.a.b.c')).status).toBe(401);
    } finally {
      upstream.state.echoToken = false;
    }
  });

  it('never passes on a bearer.<jwt> the upstream selected anyway', async () => {
    upstream.state.echoToken = true;
    try {
      const token = tokenFor();
      const { head, status } = await rawUpgrade(port, '/ws', `bearer, bearer.${token}`);
      expect(status).toBe(101);
      expect(head).not.toContain(token);
    } finally {
      upstream.state.echoToken = false;
    }
  });

  it('keeps ?token= working for older clients', async () => {
    const token = tokenFor();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
    const [hello] = await once(ws, 'message');
    expect(JSON.parse(String(hello))).toMatchObject({ type: 'hello' });
    expect(upstream.handshakes.at(-1)!.url).toBe(`/ws?token=${token}`);
    ws.close();
  });

  it('logs no token: request URLs have token= redacted, over HTTP and WebSocket alike', async () => {
    const token = tokenFor();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?resume=1&token=${token}`);
    await once(ws, 'message');
    ws.close();
    await fetch(`http://127.0.0.1:${port}/api/v1/users/me?token=${token}&x=1`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((r) => setTimeout(r, 50));
    const all = sink.lines.join('\n');
    expect(all).not.toContain(token);
    const urls = sink.lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).flatMap((l) => (l.req?.url ? [l.req.url] : []));
    expect(urls).toEqual(expect.arrayContaining(['/ws?resume=1&token=[redacted]', '/api/v1/users/me?token=[redacted]&x=1']));
  });
});
