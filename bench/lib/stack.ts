import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DEFAULT_RETRY_DELAYS_MS, deadLetterQueueName, generateTokenKeys, retryQueueName } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import { waitUntil } from './clock.js';
import { scrape, value } from './metrics.js';
import { startProcess, waitReady, type Proc } from './proc.js';
import { freePort } from '@herald/platform/testing';

export const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The queues the two services declare (each with its retry queues and DLQ), without the run's prefix. */
// Every queue the stack's services declare, the channel lanes included, so a run leaves none behind.
const SERVICE_QUEUES = [
  'notification-service.events', 'notification-service.fanout', 'post-service.users', 'user-service.address-bounces',
  ...['email', 'sms', 'slack', 'urgent'].map((lane) => `notification-service.channel.${lane}`),
];

export interface Stack {
  id: string;
  db: TestDatabase;
  pool: pg.Pool;
  keys: { publicKey: string; privateKey: string };
  exchange: string;
  workExchange: string;
  redisPrefix: string;
  notifications: { proc: Proc; url: string };
  posts: { proc: Proc; url: string };
  gateway?: { proc: Proc; url: string };
  /** Resolves once notification-service has nothing left to do: both its queues empty and no notification created for 500 ms. */
  quiet(timeoutMs: number): Promise<void>;
  /** Stops what it started (by pid), deletes the run's queues, exchanges and Redis keys, drops the database. */
  teardown(): Promise<void>;
}

/**
 * post-service and notification-service as their own processes on the real PostgreSQL, RabbitMQ and
 * Redis, isolated by a fresh database, a unique exchange pair, queue prefix and Redis prefix.
 */
export async function startStack(opts: { chunkSize: number; viaGateway: boolean }): Promise<Stack> {
  const id = randomBytes(4).toString('hex');
  const db = await createTestDatabase('bench');
  const keys = generateTokenKeys();
  const exchange = `herald.events.bench.${id}`;
  const workExchange = `herald.notification.work.bench.${id}`;
  const queuePrefix = `bench.${id}.`;
  const redisPrefix = `herald:bench:${id}:`;
  const env = {
    DATABASE_URL: db.url,
    AMQP_URL,
    AMQP_EXCHANGE: exchange,
    AMQP_QUEUE_PREFIX: queuePrefix,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    JWT_PUBLIC_KEY: keys.publicKey,
    LOG_LEVEL: 'warn',
  };
  const procs: Proc[] = [];
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const teardown = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await pool.end().catch(() => undefined);
    await deleteBrokerObjects([exchange, workExchange], SERVICE_QUEUES.map((q) => queuePrefix + q)).catch((err) => console.error('broker cleanup:', err));
    await deleteRedisKeys(redisPrefix).catch((err) => console.error('redis cleanup:', err));
    await db.drop();
  };
  try {
    const [nPort, pPort] = [await freePort(), await freePort()];
    const notifications = startProcess('notification-service', 'notification-service/src/main.ts', {
      inspect: true,
      env: { ...env, PORT: String(nPort), HOST: '127.0.0.1', AMQP_WORK_EXCHANGE: workExchange, CHUNK_SIZE: String(opts.chunkSize), WS_MAX_SESSIONS_PER_USER: '20' },
    });
    procs.push(notifications);
    const posts = startProcess('post-service', 'post-service/src/main.ts', { env: { ...env, PORT: String(pPort), HOST: '127.0.0.1' } });
    procs.push(posts);
    const nUrl = `http://127.0.0.1:${nPort}`;
    const pUrl = `http://127.0.0.1:${pPort}`;
    await Promise.all([waitReady(notifications, nUrl), waitReady(posts, pUrl)]);
    let gateway: Stack['gateway'];
    if (opts.viaGateway) {
      const gPort = await freePort();
      const proc = startProcess('gateway', 'gateway/src/main.ts', {
        env: {
          ...env,
          PORT: String(gPort),
          HOST: '127.0.0.1',
          USER_SERVICE_URL: 'http://127.0.0.1:1',
          POST_SERVICE_URL: pUrl,
          NOTIFICATION_SERVICE_URL: nUrl,
          READY_CHECKS_UPSTREAMS: 'false',
          RATE_LIMIT_ENABLED: 'false',
          RATE_LIMIT_PREFIX: `${redisPrefix}rl:`,
        },
      });
      procs.push(proc);
      gateway = { proc, url: `http://127.0.0.1:${gPort}` };
      await waitReady(proc, gateway.url);
    }
    const queues = ['notification-service.events', 'notification-service.fanout'].map((q) => queuePrefix + q);
    const quiet = (timeoutMs: number) => waitQuiet(nUrl, queues, timeoutMs);
    return { id, db, pool, keys, exchange, workExchange, redisPrefix, notifications: { proc: notifications, url: nUrl }, posts: { proc: posts, url: pUrl }, gateway, quiet, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}

async function waitQuiet(url: string, queues: string[], timeoutMs: number): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    let last = Number.NaN;
    let stableSince = Date.now();
    await waitUntil(
      async () => {
        let ready = 0;
        for (const q of queues) ready += (await channel.checkQueue(q)).messageCount;
        const created = value(await scrape(url), 'notifications_created_total') ?? 0;
        if (ready > 0 || created !== last) {
          last = created;
          stableSince = Date.now();
          return false;
        }
        return Date.now() - stableSince >= 500;
      },
      'notification-service to finish its backlog',
      timeoutMs,
      100,
    );
  } finally {
    await connection.close();
  }
}

/** Deletes the run's queues (with their retry and dead-letter queues) and exchanges; a missing one is fine. */
export async function deleteBrokerObjects(exchanges: string[], queues: string[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  // A failed delete closes its channel, so each one gets its own: one missing queue stops nothing.
  const onChannel = async (run: (channel: amqp.Channel) => Promise<unknown>) => {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await run(channel);
      await channel.close();
    } catch {
      /* already gone */
    }
  };
  try {
    const names = queues.flatMap((q) => [q, deadLetterQueueName(q), ...DEFAULT_RETRY_DELAYS_MS.map((ms) => retryQueueName(q, ms))]);
    for (const name of names) await onChannel((channel) => channel.deleteQueue(name));
    for (const exchange of exchanges) await onChannel((channel) => channel.deleteExchange(exchange));
  } finally {
    await connection.close();
  }
}

/** Every key under the run's prefix (presence entries, live channels' keys if any, rate limits). */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
