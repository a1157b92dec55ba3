import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import type { Static } from 'typebox';
import {
  DEFAULT_RETRY_DELAYS_MS,
  MemoryEventBus,
  createLogger,
  createMetricsRegistry,
  createPgPool,
  deadLetterQueueName,
  retryQueueName,
  type EventBus,
} from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type { Clock } from '../../src/domain/ports.js';
import type { AuthResponse } from '../../src/http/schemas.js';
import { createUserService, type UserService } from '../../src/service.js';
import { cheapHasher, testSigner, testVerifier } from './memory-deps.js';

export interface TestService {
  /** The test's own database (its name is what an outage test cuts). */
  db: TestDatabase;
  service: UserService;
  app: UserService['app'];
  pool: ReturnType<typeof createPgPool>;
  bus: EventBus;
  schema: string;
  /** The bounce consumer's queue: unique per service, so files sharing a broker never share it. */
  bouncesQueue: string;
  close(): Promise<void>;
}

/**
 * The real service (Prisma, migrations, outbox relay) on a database of its own, driven through
 * app.inject(). The bus is in-memory unless the test is about the broker.
 */
export async function startTestService(
  opts: { bus?: EventBus; schema?: string; bouncesQueue?: string; refreshReuseGraceSeconds?: number; clock?: Clock } = {},
): Promise<TestService> {
  const db = await createTestDatabase('user_service');
  const bouncesQueue = opts.bouncesQueue ?? `test.user-service.bounces.${randomBytes(6).toString('hex')}`;
  const pool = createPgPool(db.url, { max: 6, applicationName: 'user-service-test' });
  const bus = opts.bus ?? new MemoryEventBus();
  const schema = opts.schema ?? 'users';
  const logger = createLogger('user-service', process.env.TEST_LOG_LEVEL ?? 'silent');
  const service = await createUserService({
    logger,
    registry: createMetricsRegistry('user-service'),
    pool,
    schema,
    bus,
    verifier: testVerifier,
    signer: testSigner,
    listen: true,
    // Reuse is tested as reuse; the grace has its own test (it passes a grace).
    refreshReuseGraceSeconds: opts.refreshReuseGraceSeconds ?? 0,
    hasher: cheapHasher(),
    bouncesQueue,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await service.start();
  return {
    db,
    service,
    app: service.app,
    pool,
    bus,
    schema,
    bouncesQueue,
    async close() {
      await service.close();
      await bus.close();
      await pool.end();
      await db.drop();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Registers through HTTP and returns the 201's body: the user as its owner sees it, and the session's tokens. */
export async function signUp(app: UserService['app'], body: Record<string, unknown>): Promise<Static<typeof AuthResponse>> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: body });
  if (res.statusCode !== 201) throw new Error(`register ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
  // The route serialises the 201 with this schema.
  return res.json() as Static<typeof AuthResponse>;
}

/** Deletes a subscriber queue with its retry queues and dead-letter queue from a real broker. */
export async function deleteQueueTopology(url: string, queue: string): Promise<void> {
  const connection = await amqp.connect(url);
  connection.on('error', () => undefined);
  try {
    for (const name of [queue, deadLetterQueueName(queue), ...DEFAULT_RETRY_DELAYS_MS.map((ms) => retryQueueName(queue, ms))]) {
      // One channel per delete: an error closes the channel it happened on.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await channel.deleteQueue(name).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
