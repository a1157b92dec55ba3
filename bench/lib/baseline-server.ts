import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Server } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';
import { nowMs } from './clock.js';

/**
 * A bare delivery server for the baselines, run as its own process: `socketio` (socket.io, each client
 * in a room named after its user) or `ws` (the ws package, a Map from user to socket: the floor).
 * POST /burst answers 201 at once and then writes one notification frame to every connected user,
 * each frame its own JSON (like Herald's, whose ids differ per recipient), timed like Herald's burst.
 */
const [kind, portArg] = process.argv.slice(2) as ['socketio' | 'ws', string];
const users = new Map<string, WebSocket | true>();
let io: Server | undefined;

function frameFor(objectId: string, actor: { id: string; username: string }) {
  return {
    type: 'notification',
    notification: {
      id: randomUUID(),
      type: 'post',
      category: 'informational',
      priority: 'low',
      actor: { id: actor.id, username: actor.username, displayName: actor.username },
      object: { kind: 'post', id: objectId },
      title: `${actor.username} posted`,
      body: 'fan-out benchmark post',
      data: { postId: objectId, excerpt: 'fan-out benchmark post' },
      count: 1,
      createdAt: new Date().toISOString(),
      readAt: null,
    },
  };
}

function push(objectId: string, actor: { id: string; username: string }): number {
  const started = nowMs();
  if (io) {
    for (const userId of users.keys()) io.to(userId).emit('notification', frameFor(objectId, actor));
  } else {
    for (const socket of users.values()) (socket as WebSocket).send(JSON.stringify(frameFor(objectId, actor)));
  }
  return nowMs() - started;
}

let lastPushMs = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/readyz') return void res.end('ok');
  if (req.method === 'GET' && req.url === '/metrics') {
    const m = process.memoryUsage();
    return void res.end(`nodejs_heap_size_used_bytes ${m.heapUsed}\nnodejs_external_memory_bytes ${m.external}\nbaseline_sockets ${users.size}\nbaseline_last_push_ms ${lastPushMs}\n`);
  }
  if (req.method === 'POST' && req.url === '/burst') {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const { objectId, actor } = JSON.parse(body) as { objectId: string; actor: { id: string; username: string } };
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      setImmediate(() => (lastPushMs = push(objectId, actor)));
    });
    return;
  }
  res.writeHead(404).end();
});

if (kind === 'socketio') {
  io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  io.on('connection', (socket) => {
    const userId = String(socket.handshake.auth.userId);
    void socket.join(userId);
    users.set(userId, true);
    socket.on('disconnect', () => users.delete(userId));
    socket.emit('hello');
  });
} else {
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  wss.on('connection', (socket, req) => {
    const userId = new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? '';
    users.set(userId, socket);
    socket.on('close', () => users.delete(userId));
    socket.on('error', () => undefined);
    socket.send('{"type":"hello"}');
  });
}

server.listen(Number(portArg), '127.0.0.1');
process.on('SIGTERM', () => {
  io?.close();
  server.close();
  process.exit(0);
});
