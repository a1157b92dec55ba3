import { randomBytes } from 'node:crypto';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { generateTokenKeys } from '@herald/platform';
import { createTestDatabase, freePort, type TestDatabase } from '@herald/platform/testing';
import { deleteStackTopology } from '../../support/broker-cleanup.js';
import { AMQP_URL, REDIS_URL } from '../../support/real-stack.js';
import { ProxyHost } from './proxies.js';
import { CountingSmtpSink } from './smtp.js';
import { Supervised } from './supervisor.js';
import { recordPid, recordState } from './state.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export type ServiceKey = 'user-service' | 'post-service' | 'ns1' | 'ns2' | 'gatewayA' | 'gatewayB';

export interface ChaosStack {
  id: string;
  db: TestDatabase;
  keys: { publicKey: string; privateKey: string };
  exchange: string;
  queuePrefix: string;
  redisPrefix: string;
  proxies: ProxyHost;
  smtp: CountingSmtpSink;
  services: Record<ServiceKey, Supervised>;
  /** Gateway A fronts notification-service instance 1, gateway B instance 2 (a load balancer's two targets). */
  gateways: string[];
  /** Deletes every key under the stack's Redis prefix (presence, live routing, rate limits): SCAN + UNLINK, never FLUSHALL. */
  deleteRedisKeys(match?: string): Promise<number>;
  /** Messages ready in notification-service's event, fan-out and email queues, and their consumers (straight to the broker). */
  backlog(): Promise<number>;
  queues(): Promise<Record<string, { ready: number; consumers: number }>>;
  stop(): Promise<void>;
}

const target = (url: string, fallbackPort: number) => {
  const u = new URL(url);
  return { url: u, port: Number(u.port || fallbackPort) };
};

/**
 * Herald as separate processes on the real servers, every connection to PostgreSQL, RabbitMQ and
 * Redis through a TCP proxy the suite owns: user-service, post-service, two notification-service
 * instances, two gateways (A → instance 1, B → instance 2), email to a real SMTP sink. Isolated by
 * a fresh database, a unique exchange pair, queue prefix and Redis prefix.
 */
export async function startChaosStack(extraNsEnv: Record<string, string> = {}): Promise<ChaosStack> {
  const id = randomBytes(4).toString('hex');
  const keys = generateTokenKeys();
  const exchange = `herald.events.chaos.${id}`;
  const queuePrefix = `chaos.${id}.`;
  const redisPrefix = `herald:chaos:${id}:`;
  recordState({ queuePrefix, exchanges: [exchange, `${exchange}.work`], redisPrefix });
  const db = await createTestDatabase('chaos');
  recordState({ database: db.name });
  const proxies = await ProxyHost.start();
  recordPid(proxies.pid);
  const smtp = await new CountingSmtpSink().start();

  const pg = target(db.url, 5432);
  const amqp = target(AMQP_URL, 5672);
  const redis = target(REDIS_URL, 6379);
  const [pgPort, amqpPort, redisPort] = await Promise.all([proxies.add('postgres', pg.port), proxies.add('rabbitmq', amqp.port), proxies.add('redis', redis.port)]);
  const via = (u: URL, port: number) => {
    const v = new URL(u);
    v.hostname = '127.0.0.1';
    v.port = String(port);
    return v.toString();
  };
  const env: Record<string, string> = {
    DATABASE_URL: via(pg.url, pgPort),
    AMQP_URL: via(amqp.url, amqpPort),
    AMQP_EXCHANGE: exchange,
    AMQP_WORK_EXCHANGE: `${exchange}.work`,
    AMQP_QUEUE_PREFIX: queuePrefix,
    REDIS_URL: via(redis.url, redisPort),
    REDIS_PREFIX: redisPrefix,
    JWT_PUBLIC_KEY: keys.publicKey,
  };
  const nsEnv = {
    ...env,
    SMTP_URL: smtp.url,
    PUBLIC_URL: 'http://herald.chaos.test',
    TRACKING_SECRET: 'chaos-suite-tracking-secret-0123456789',
    // The away followers get an email for every post, one a second for minutes, and each must
    // arrive exactly once: the default throttle (20 emails a day per person) would skip the rest.
    THROTTLE_EMAIL: 'none',
    ...extraNsEnv,
  };
  const port = () => freePort();
  const services = {
    'user-service': new Supervised('user-service', 'user-service', { ...env, JWT_PRIVATE_KEY: keys.privateKey }, await port()),
    'post-service': new Supervised('post-service', 'post-service', env, await port()),
    ns1: new Supervised('notification-service#1', 'notification-service', nsEnv, await port()),
    ns2: new Supervised('notification-service#2', 'notification-service', nsEnv, await port()),
  } as Record<ServiceKey, Supervised>;
  const gatewayEnv = (ns: Supervised) => ({
    ...env,
    USER_SERVICE_URL: services['user-service'].url,
    POST_SERVICE_URL: services['post-service'].url,
    NOTIFICATION_SERVICE_URL: ns.url,
    READY_CHECKS_UPSTREAMS: 'true',
    RATE_LIMIT_PREFIX: `${redisPrefix}rl:`,
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_IP_PER_MINUTE: '10000000',
    RATE_LIMIT_USER_PER_MINUTE: '100000',
    METRICS_PORT: 'off',
  });
  services.gatewayA = new Supervised('gateway-A', 'gateway', gatewayEnv(services.ns1), await port());
  services.gatewayB = new Supervised('gateway-B', 'gateway', gatewayEnv(services.ns2), await port());

  const deleteRedisKeys = async (match = '*') => {
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await client.connect();
    let deleted = 0;
    try {
      let cursor = '0';
      do {
        const [next, found] = await client.scan(cursor, 'MATCH', `${redisPrefix}${match}`, 'COUNT', 1000);
        if (found.length > 0) deleted += await client.unlink(...found);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
    return deleted;
  };

  // One connection straight to the broker (not through the proxy), opened on first use.
  let admin: Promise<amqplib.ChannelModel> | undefined;
  const queues = async () => {
    admin ??= amqplib.connect(AMQP_URL).then((c) => {
      c.on('error', () => {});
      c.on('close', () => (admin = undefined));
      return c;
    });
    const conn = await admin;
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    try {
      const out: Record<string, { ready: number; consumers: number }> = {};
      for (const q of ['events', 'fanout', 'channel.email']) {
        const r = await ch.checkQueue(`${queuePrefix}notification-service.${q}`);
        out[q] = { ready: r.messageCount, consumers: r.consumerCount };
      }
      return out;
    } finally {
      await ch.close().catch(() => {});
    }
  };
  const backlog = async () => Object.values(await queues()).reduce((n, q) => n + q.ready, 0);

  const stop = async () => {
    if (admin) await (await admin.catch(() => undefined))?.close().catch(() => {});
    await Promise.all([services.gatewayA, services.gatewayB].map((s) => s.stop()));
    await Promise.all(Object.values(services).map((s) => s.stop()));
    await proxies.close();
    await smtp.stop();
    await deleteStackTopology(AMQP_URL, queuePrefix, [exchange, `${exchange}.work`]).catch(() => {});
    await deleteRedisKeys().catch(() => {});
    await db.drop().catch(() => {});
  };

  try {
    // Migrations run at start: one notification-service first, so two never race on its schema.
    await Promise.all([services['user-service'].start(), services['post-service'].start(), services.ns1.start()]);
    await services.ns2.start();
    await Promise.all([services.gatewayA.start(), services.gatewayB.start()]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { id, db, keys, exchange, queuePrefix, redisPrefix, proxies, smtp, services, gateways: [services.gatewayA.url, services.gatewayB.url], deleteRedisKeys, backlog, queues, stop };
}
