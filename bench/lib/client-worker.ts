import { HeraldClient, type WebSocketConstructorLike } from '@herald/client';
import { io, type Socket as IoSocket } from 'socket.io-client';
import WebSocket from 'ws';
import { nowMs } from './clock.js';
import type { ClientCommand, ClientKind, ClientReply } from './client-protocol.js';

/**
 * The bench's clients, in a process of their own so their CPU shows apart from the servers'. One
 * client per user: Herald's /ws through @herald/client (the SDK an app uses: every frame parsed,
 * duplicates dropped, the badge kept, a ping every 25 s), the bare ws baseline through `ws`, or
 * socket.io-client. With `--lean` Herald's clients are bare `ws` too, parsing only notification
 * frames, as the bench did before the SDK. A bare `ws` frame is stamped on receipt, before parsing;
 * an SDK or socket.io frame when the library hands it over. Stamps use the cross-process clock.
 */
const LEAN = process.argv.includes('--lean');

type Client = { close(): void; closed: Promise<void> };
const clients: Client[] = [];
const watches = new Map<string, { times: number[]; expect: number; done: () => void }>();
let recording: { ids: string[]; times: number[] } | undefined;
let frames = 0;

const NOTIFICATION_PREFIX = Buffer.from('{"type":"notification"');

function arrived(objectId: string, t: number): void {
  frames++;
  const watch = watches.get(objectId);
  if (watch) {
    watch.times.push(t);
    if (watch.times.length >= watch.expect) watch.done();
  }
  if (recording) {
    recording.ids.push(objectId);
    recording.times.push(t);
  }
}

// Shared listener (no closure per socket): unread_count and other frames are skipped without parsing.
function onWsMessage(data: WebSocket.RawData): void {
  const t = nowMs();
  const buf = data as Buffer;
  if (buf.length < NOTIFICATION_PREFIX.length || buf.compare(NOTIFICATION_PREFIX, 0, NOTIFICATION_PREFIX.length, 0, NOTIFICATION_PREFIX.length) !== 0) return;
  const frame = JSON.parse(buf.toString('utf8')) as { notification: { object?: { id: string } } };
  const id = frame.notification.object?.id;
  if (id) arrived(id, t);
}

function connectWs(url: string, localAddress: string | undefined): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, localAddress, handshakeTimeout: 30_000 });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const onHello = (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as { type: string };
      if (frame.type !== 'hello') return;
      socket.off('message', onHello);
      socket.on('message', onWsMessage);
      socket.on('error', () => undefined);
      resolve({ close: () => socket.close(1000), closed });
    };
    socket.on('message', onHello);
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} on upgrade`)));
    socket.once('close', (code) => reject(new Error(`closed with ${code} before hello`)));
  });
}

function connectIo(url: string, userId: string, localAddress: string | undefined): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket: IoSocket = io(url, {
      transports: ['websocket'],
      auth: { userId },
      forceNew: true,
      reconnection: false,
      timeout: 30_000,
      ...(localAddress ? { localAddress } : {}),
    } as Parameters<typeof io>[1]);
    const closed = new Promise<void>((done) => socket.once('disconnect', () => done()));
    socket.once('hello', () => {
      socket.on('notification', (frame: { type: string; notification: { object?: { id: string } } }) => {
        const t = nowMs();
        const id = frame.notification.object?.id;
        if (id) arrived(id, t);
      });
      resolve({ close: () => socket.disconnect(), closed });
    });
    socket.once('connect_error', reject);
  });
}

/** `ws` with the bench's socket options, as the constructor the SDK calls (one class per source address). */
const wsClasses = new Map<string, WebSocketConstructorLike>();
function benchWebSocket(localAddress: string | undefined): WebSocketConstructorLike {
  const key = localAddress ?? '';
  let Ctor = wsClasses.get(key);
  if (!Ctor) {
    Ctor = class BenchWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { perMessageDeflate: false, localAddress, handshakeTimeout: 30_000 });
      }
    };
    wsClasses.set(key, Ctor);
  }
  return Ctor;
}

/** One person's @herald/client, resolved at its first hello; a socket that fails before it is an error, not retried. */
function connectSdk(url: string, token: string, localAddress: string | undefined): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new HeraldClient({ url, getToken: () => token, WebSocket: benchWebSocket(localAddress) });
    let closedDone!: () => void;
    const closed = new Promise<void>((done) => (closedDone = done));
    const offFailed = client.on('connect_failed', ({ code, error }) => {
      client.stop();
      reject(new Error(code ? `closed with ${code} before hello` : (error as Error | undefined)?.message ?? 'connect failed'));
    });
    // A socket that opened and closed before its hello (a refused session, say) would be retried by
    // the SDK: here it is a failure to connect.
    const offEarlyClose = client.on('status', ({ state, closeCode }) => {
      if (state !== 'reconnecting' || closeCode === undefined) return;
      client.stop();
      reject(new Error(`closed with ${closeCode} before hello`));
    });
    const offHello = client.on('hello', () => {
      offFailed();
      offEarlyClose();
      offHello();
      client.on('notification', ({ notification }) => {
        const t = nowMs();
        const id = (notification as { object?: { id?: string } }).object?.id;
        if (id) arrived(id, t);
      });
      client.on('status', ({ state }) => {
        if (state === 'stopped') closedDone();
      });
      resolve({ close: () => client.stop(), closed });
    });
    client.start();
  });
}

async function connect(cmd: Extract<ClientCommand, { cmd: 'connect' }>): Promise<ClientReply> {
  const started = nowMs();
  const already = clients.length;
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const open = (i: number): Promise<Client> => {
    const user = cmd.users[i]!;
    const localAddress = cmd.addresses.length > 0 ? cmd.addresses[i % cmd.addresses.length] : undefined;
    const kinds: Record<ClientKind, () => Promise<Client>> = {
      herald: () => (LEAN ? connectWs(`${cmd.url}?token=${encodeURIComponent(user.token)}`, localAddress) : connectSdk(cmd.url, user.token, localAddress)),
      ws: () => connectWs(`${cmd.url}?user=${user.id}`, localAddress),
      socketio: () => connectIo(cmd.url, user.id, localAddress),
    };
    return kinds[cmd.kind]();
  };
  const lane = async () => {
    while (next < cmd.users.length) {
      const i = next++;
      try {
        clients.push(await open(i));
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, lane));
  return { connected: clients.length - already, failed, firstError, ms: nowMs() - started };
}

function watch(cmd: Extract<ClientCommand, { cmd: 'watch' }>): Promise<ClientReply> {
  return new Promise((resolve) => {
    const entry = { times: [] as number[], expect: cmd.expect, done: () => finish() };
    const timer = setTimeout(() => finish(), cmd.timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      watches.delete(cmd.objectId);
      resolve({ times: entry.times });
    };
    watches.set(cmd.objectId, entry);
  });
}

async function drain(cmd: Extract<ClientCommand, { cmd: 'drain' }>): Promise<ClientReply> {
  const deadline = Date.now() + cmd.timeoutMs;
  while ((recording?.ids.length ?? 0) < cmd.expect && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const out = recording ?? { ids: [], times: [] };
  recording = undefined;
  return out;
}

async function closeAll(): Promise<ClientReply> {
  const all = clients.splice(0);
  for (const client of all) client.close();
  await Promise.race([Promise.all(all.map((c) => c.closed)), new Promise((r) => setTimeout(r, 10_000))]);
  return { closed: all.length };
}

async function handle(cmd: ClientCommand): Promise<ClientReply> {
  switch (cmd.cmd) {
    case 'connect':
      return connect(cmd);
    case 'watch':
      return watch(cmd);
    case 'record':
      recording = { ids: [], times: [] };
      return {};
    case 'gc':
      (globalThis as { gc?: () => void }).gc?.();
      return {};
    case 'drain':
      return drain(cmd);
    case 'close':
      return closeAll();
    case 'usage':
      return { cpu: process.cpuUsage(), rss: process.memoryUsage().rss, frames };
  }
}

process.on('message', (message: { seq: number; command: ClientCommand }) => {
  handle(message.command).then(
    (reply) => process.send!({ seq: message.seq, reply }),
    (err: Error) => process.send!({ seq: message.seq, error: err.message }),
  );
});
// The orchestrator going away (even by SIGKILL) closes the IPC channel: leave with it.
process.on('disconnect', () => process.exit(0));
