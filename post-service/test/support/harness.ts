import { createEvent } from '@herald/contracts';
import {
  createLogger,
  createMetricsRegistry,
  createPgPool,
  generateTokenKeys,
  MemoryEventBus,
  TokenSigner,
  TokenVerifier,
  uuidv7,
  type EventBus,
} from '@herald/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createPostService, type PostService } from '../../src/service.js';
import type { UserSummary } from '../../src/domain/model.js';

export const SCHEMA = 'posts';

/**
 * A post-service on its own fresh database, migrated and running (relay + consumer), with a token
 * signer for its verifier. The bus is a MemoryEventBus unless the test brings a real one.
 */
export interface Harness {
  db: TestDatabase;
  pool: pg.Pool;
  bus: EventBus;
  service: PostService;
  tokenFor(user: Pick<UserSummary, 'id' | 'username'>): string;
  /** Publishes user.registered on the bus and waits until the projection has the user. */
  register(user: UserSummary): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(name: string, opts: { bus?: EventBus; usersQueue?: string } = {}): Promise<Harness> {
  const db = await createTestDatabase(name);
  const pool = createPgPool(db.url, { max: 5 });
  const bus = opts.bus ?? new MemoryEventBus();
  const keys = generateTokenKeys();
  const signer = new TokenSigner(keys.privateKey);
  const service = await createPostService({
    logger: createLogger('post-service-test', process.env.LOG_LEVEL ?? 'silent'),
    registry: createMetricsRegistry('post-service'),
    pool,
    schema: SCHEMA,
    bus,
    verifier: new TokenVerifier(keys.publicKey),
    listen: true,
    usersQueue: opts.usersQueue,
    outboxPollMs: 200,
  });
  await service.start();

  return {
    db,
    pool,
    bus,
    service,
    tokenFor: (user) => signer.sign({ userId: user.id, username: user.username, scopes: [] }),
    async register(user) {
      await publishRegistered(bus, user);
      await waitFor(async () => (await pool.query(`SELECT 1 FROM ${SCHEMA}.users WHERE id = $1`, [user.id])).rowCount === 1, `projection of ${user.username}`);
    },
    async close() {
      await service.close();
      if (!opts.bus) await bus.close();
      await pool.end();
      await db.drop();
    },
  };
}

export async function publishRegistered(bus: EventBus, user: UserSummary, eventId = uuidv7()): Promise<void> {
  const event = createEvent(
    'user.registered',
    { userId: user.id, username: user.username, displayName: user.displayName, email: `${user.username}@example.com`, phone: null, locale: 'en', timezone: 'UTC' },
    { producer: 'user-service', id: eventId },
  );
  await bus.publish([{ routingKey: event.type, messageId: event.id, body: event }]);
}

export { waitFor } from '@herald/platform/testing';

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}
