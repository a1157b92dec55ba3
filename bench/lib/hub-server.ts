import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createLogger, TokenVerifier } from '@herald/platform';
import { createLiveHub, RedisLiveTransport, RedisPresence, type AddressedFrame, type LiveInbox } from '@herald/notification-service/bench';
import { nowMs } from './clock.js';

/**
 * Herald's live layer alone, as a third baseline: notification-service's real hub (GET /ws with the
 * token check, sessions, Redis presence and routing) in a bare fastify app, with no inbox behind it.
 * POST /burst answers 201, then hands the hub one notification frame per user in chunks of 1,000,
 * up to 4 at once, as deliver-chunk does after its commit. Env: PORT, JWT_PUBLIC_KEY, REDIS_URL, REDIS_PREFIX.
 */
const port = Number(process.env.PORT);
const redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 2 });
await redis.connect();
const prefix = process.env.REDIS_PREFIX!;
const logger = createLogger('bench-hub', 'warn');
const registry = new Registry();
collectDefaultMetrics({ register: registry });
// Nothing unread, nothing to resume: the inbox is not what this process measures.
const inbox: LiveInbox = {
  unreadCount: async () => 0,
  streamHead: async () => ({ unread: 0, seq: 0 }),
  streamHeads: async (ids) => new Map(ids.map((id) => [id, { unread: 0, seq: 0 }])),
  unreadCounts: async (ids) => new Map(ids.map((id) => [id, 0])),
  listAfter: async () => [],
  markRead: async () => [],
};
const hub = createLiveHub({
  instanceId: `bench-hub-${randomUUID()}`,
  presence: new RedisPresence({ redis, prefix }),
  transport: new RedisLiveTransport({ redis, prefix, logger }),
  inbox,
  verifier: new TokenVerifier(process.env.JWT_PUBLIC_KEY!),
  logger,
  registry,
  options: { maxSessionsPerUser: 20 },
});
const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
await hub.registerRoutes(app);
let lastPushMs = 0;

app.get('/readyz', async () => 'ok');
app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(`${await registry.metrics()}\nbaseline_last_push_ms ${lastPushMs}\n`));
app.post('/burst', async (req, reply) => {
  const { objectId, actor, userIds } = req.body as { objectId: string; actor: { id: string; username: string }; userIds: string[] };
  setImmediate(() => void push(objectId, actor, userIds));
  return reply.code(201).send({});
});

// Like notification-service, where up to 4 fan-out chunks (the fanout queue's prefetch) run at once.
const CONCURRENT_CHUNKS = 4;

async function push(objectId: string, actor: { id: string; username: string }, userIds: string[]): Promise<void> {
  const started = nowMs();
  const createdAt = new Date().toISOString();
  const chunks: string[][] = [];
  for (let i = 0; i < userIds.length; i += 1000) chunks.push(userIds.slice(i, i + 1000));
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const frames: AddressedFrame[] = chunks[next++]!.map((userId) => ({
        userId,
        frame: {
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
            createdAt,
            readAt: null,
          },
        },
      }));
      await hub.deliver(frames);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CHUNKS }, lane));
  lastPushMs = nowMs() - started;
}

await hub.start();
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void (async () => {
    await hub.close();
    await app.close();
    redis.disconnect();
    process.exit(0);
  })();
});
