import { MemoryEventBus, createLogger, createMetricsRegistry, createPgPool, type EventBus } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
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
  close(): Promise<void>;
}

/**
 * The real service (Prisma, migrations, outbox relay) on a database of its own, driven through
 * app.inject(). The bus is in-memory unless the test is about the broker.
 */
export async function startTestService(opts: { bus?: EventBus; schema?: string } = {}): Promise<TestService> {
  const db = await createTestDatabase('user_service');
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
    hasher: cheapHasher(),
  });
  await service.start();
  return {
    db,
    service,
    app: service.app,
    pool,
    bus,
    schema,
    async close() {
      await service.close();
      await bus.close();
      await pool.end();
      await db.drop();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Registers through HTTP and returns the user and its token. */
export async function signUp(app: UserService['app'], body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: body });
  if (res.statusCode !== 201) throw new Error(`register ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
  return res.json() as { user: { id: string; username: string }; accessToken: string };
}
