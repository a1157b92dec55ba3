import { randomBytes } from 'node:crypto';
import { generateTokenKeys } from '@herald/platform';
import { createTestDatabase } from '@herald/platform/testing';
import { freePort } from './ports.js';
import { deleteStackTopology } from './broker-cleanup.js';
import { startServiceProcess, type ServiceProcess } from './processes.js';

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RealStack {
  gatewayUrl: string;
  exchange: string;
  databaseUrl: string;
  env: Record<string, string>;
  processes: Record<string, ServiceProcess>;
  /** Starts one more notification-service instance on its own port (for multi-instance tests). */
  startNotificationInstance(): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/**
 * Runs every service as its own process against the real PostgreSQL, RabbitMQ and Redis, isolated
 * by a fresh database, a unique exchange and a unique Redis prefix, with the gateway in front.
 */
export async function startRealStack(opts: { services?: string[]; extraEnv?: Record<string, string> } = {}): Promise<RealStack> {
  const id = randomBytes(4).toString('hex');
  const db = await createTestDatabase('e2e');
  const keys = generateTokenKeys();
  const exchange = `herald.events.e2e.${id}`;
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    AMQP_URL,
    AMQP_EXCHANGE: exchange,
    AMQP_WORK_EXCHANGE: `${exchange}.work`,
    AMQP_QUEUE_PREFIX: `e2e.${id}.`,
    REDIS_URL,
    REDIS_PREFIX: `herald:e2e:${id}:`,
    RATE_LIMIT_PREFIX: `herald:e2e:${id}:rl:`,
    JWT_PUBLIC_KEY: keys.publicKey,
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    ...opts.extraEnv,
  };
  const processes: Record<string, ServiceProcess> = {};
  const stopAll = async () => {
    await Promise.all(Object.values(processes).map((p) => p.stop()));
    await deleteStackTopology(AMQP_URL, env.AMQP_QUEUE_PREFIX!, [exchange, `${exchange}.work`]).catch(() => {});
    await db.drop();
  };
  try {
    const services = opts.services ?? ['user-service', 'post-service', 'notification-service'];
    const ports = Object.fromEntries(await Promise.all(services.map(async (s) => [s, await freePort()] as const)));
    await Promise.all(
      services.map(async (s) => {
        const extra: Record<string, string> = s === 'user-service' ? { JWT_PRIVATE_KEY: keys.privateKey } : {};
        processes[s] = await startServiceProcess(s, { ...env, ...extra }, ports[s]!);
      }),
    );
    const gatewayPort = await freePort();
    processes.gateway = await startServiceProcess(
      'gateway',
      {
        ...env,
        USER_SERVICE_URL: processes['user-service']?.url ?? 'http://127.0.0.1:1',
        POST_SERVICE_URL: processes['post-service']?.url ?? 'http://127.0.0.1:1',
        NOTIFICATION_SERVICE_URL: processes['notification-service']?.url ?? 'http://127.0.0.1:1',
        // A partial stack would never be "ready" if the gateway counted the missing upstreams.
        READY_CHECKS_UPSTREAMS: services.length === 3 ? 'true' : 'false',
      },
      gatewayPort,
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
  let extra = 0;
  return {
    gatewayUrl: processes.gateway.url,
    exchange,
    databaseUrl: db.url,
    env,
    processes,
    async startNotificationInstance() {
      const p = await startServiceProcess('notification-service', env, await freePort());
      processes[`notification-service-${++extra}`] = p;
      return p;
    },
    stop: stopAll,
  };
}
