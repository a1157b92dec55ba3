import {
  applyMigrations,
  createLogger,
  createMetricsRegistry,
  createPgPool,
  generateTokenKeys,
  MemoryEventBus,
  TokenSigner,
  TokenVerifier,
  type EventBus,
} from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type { DomainEvent } from '@herald/contracts';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { createNotificationService, MIGRATIONS_DIR, type NotificationService, type NotificationServiceDeps } from '../../src/service.js';
import type { LiveHub } from '../../src/live/index.js';
import { FakeLive } from './memory-deps.js';

export const SCHEMA = 'notifications';

/** The use cases' view of the live layer, recorded; stands in for the hub where sockets are not the point. */
export class FakeLiveHub extends FakeLive implements LiveHub {
  async registerRoutes(): Promise<void> {}
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  stats() {
    return { instanceId: 'fake', sockets: 0, users: 0 };
  }
}

export interface Instance {
  service: NotificationService;
  live: FakeLiveHub;
  registry: Registry;
}

/**
 * notification-service instances on one fresh database, sharing two buses (MemoryEventBus unless a
 * test brings real ones), each with a recorded live layer, and a token signer for their verifier.
 */
export interface Harness {
  db: TestDatabase;
  pool: pg.Pool;
  bus: EventBus;
  workBus: EventBus;
  instances: Instance[];
  service: NotificationService;
  live: FakeLiveHub;
  tokenFor(userId: string, scopes?: string[]): string;
  publish(...events: (DomainEvent | unknown)[]): Promise<void>;
  /** Projects these ids as registered users (as user.registered would), so the send API accepts them. */
  registerUsers(...userIds: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  bus?: EventBus;
  workBus?: EventBus;
  queuePrefix?: string;
  chunkSize?: number;
  instances?: number;
  /** Out-of-band channel settings (providers, delays); defaults as documented. */
  channels?: NotificationServiceDeps['channels'];
  /** Where providers' rate-limit slots are reserved (one store shared by every instance, e.g. Redis); each instance's memory by default. */
  paceStore?: NotificationServiceDeps['paceStore'];
}

export async function startHarness(name: string, opts: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase(name);
  const pool = createPgPool(db.url, { max: 10 });
  // Migrated once up front; each instance's start() then finds nothing to do, as in production.
  await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
  const busLogger = createLogger('notification-service-test-bus', process.env.LOG_LEVEL ?? 'silent');
  const bus = opts.bus ?? new MemoryEventBus({ logger: busLogger });
  const workBus = opts.workBus ?? new MemoryEventBus({ exchange: 'herald.notification.work', logger: busLogger });
  const keys = generateTokenKeys();
  const signer = new TokenSigner(keys.privateKey);
  const verifier = new TokenVerifier(keys.publicKey);
  const instances: Instance[] = [];
  for (let i = 0; i < (opts.instances ?? 1); i++) {
    const live = new FakeLiveHub();
    const registry = createMetricsRegistry('notification-service');
    const service = await createNotificationService({
      logger: createLogger(`notification-service-test-${i}`, process.env.LOG_LEVEL ?? 'silent'),
      registry,
      pool,
      schema: SCHEMA,
      bus,
      workBus,
      verifier,
      listen: false,
      queuePrefix: opts.queuePrefix,
      chunkSize: opts.chunkSize,
      live: () => live,
      outboxPollMs: 60_000,
      ...(opts.channels ? { channels: opts.channels } : {}),
      ...(opts.paceStore ? { paceStore: opts.paceStore } : {}),
    });
    await service.start();
    instances.push({ service, live, registry });
  }

  return {
    db,
    pool,
    bus,
    workBus,
    instances,
    service: instances[0]!.service,
    live: instances[0]!.live,
    tokenFor: (userId, scopes = []) => signer.sign({ userId, username: `u_${userId.slice(-6)}`, scopes }),
    async publish(...events) {
      await bus.publish(events.map((e) => ({ routingKey: (e as DomainEvent).type ?? 'unknown', messageId: (e as DomainEvent).id, body: e })));
    },
    async registerUsers(...userIds) {
      await pool.query(
        `INSERT INTO ${SCHEMA}.users (id, username, display_name, email, phone, locale, timezone, as_of)
         SELECT id, 'u_' || right(id::text, 6), 'User', 'u_' || right(id::text, 6) || '@example.com', NULL, 'en', 'UTC', now()
         FROM unnest($1::uuid[]) AS id ON CONFLICT (id) DO NOTHING`,
        [userIds],
      );
    },
    async close() {
      for (const instance of instances) await instance.service.close();
      if (!opts.bus) await bus.close();
      if (!opts.workBus) await workBus.close();
      await pool.end();
      await db.drop();
    },
  };
}

export { waitFor } from '@herald/platform/testing';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function count(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0]!.n;
}
