import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import {
  checkPostgres,
  applyMigrations,
  createHttpApp,
  OutboxRelay,
  uuidv7,
  type EventBus,
  type HttpApp,
  type Logger,
  type Subscription,
  type TokenVerifier,
} from '@herald/platform';
import type { AppDeps } from './app/deps.js';
import type { Clock } from './domain/ports.js';
import { createPrismaClient } from './adapters/prisma-client.js';
import { PrismaContentStore } from './adapters/prisma-content-store.js';
import { PrismaUserProjection } from './adapters/prisma-user-projection.js';
import { PostgresFeedReader } from './adapters/postgres-feed-reader.js';
import { subscribeUserProjection, USERS_QUEUE } from './adapters/user-registered-consumer.js';
import { registerRoutes } from './http/routes.js';

export const SERVICE_NAME = 'post-service';
export const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

export interface PostServiceDeps {
  logger: Logger;
  registry: Registry;
  /** Owned by the caller (it may be the one shared connection of the embedded mode); never ended here. */
  pool: pg.Pool;
  schema: string;
  bus: EventBus;
  verifier: TokenVerifier;
  /** LISTEN for outbox inserts on a dedicated connection (real PostgreSQL only). */
  listen: boolean;
  /** Queue of the user projection consumer; tests give each file its own. */
  usersQueue?: string;
  clock?: Clock;
  /** Outbox poll interval, the backstop behind LISTEN and wake(). */
  outboxPollMs?: number;
}

export interface PostService {
  app: HttpApp;
  relay: OutboxRelay;
  /** Migrates, starts the outbox relay and the consumer, then listens (when a port is given). */
  start(opts?: { port: number; host: string }): Promise<void>;
  close(): Promise<void>;
}

/** The composition root: builds adapters, hands them to use cases and routes. */
export async function createPostService(deps: PostServiceDeps): Promise<PostService> {
  const { logger, pool, schema, bus } = deps;
  const prisma = createPrismaClient(pool, schema);
  const relay = new OutboxRelay({ pool, schema, bus, logger, listen: deps.listen, pollIntervalMs: deps.outboxPollMs });
  const appDeps: AppDeps = {
    store: new PrismaContentStore(prisma, schema, pool),
    clock: deps.clock ?? { now: () => new Date() },
    newId: (at) => uuidv7(at.getTime()),
    afterCommit: () => relay.wake(),
  };

  const app = await createHttpApp({
    service: SERVICE_NAME,
    logger,
    registry: deps.registry,
    readiness: { postgres: () => checkPostgres(pool), bus: () => bus.check() },
    openapi: { title: 'Herald post-service', description: 'Posts, comments, likes, direct messages and mentions' },
  });
  await registerRoutes(app, appDeps, deps.verifier, new PostgresFeedReader(pool, schema));

  let subscription: Subscription | undefined;
  return {
    app,
    relay,
    async start(opts) {
      await applyMigrations({ pool, schema, migrationsDir: MIGRATIONS_DIR, logger });
      await relay.start();
      subscription = await subscribeUserProjection({ bus, users: new PrismaUserProjection(prisma, schema), logger, queue: deps.usersQueue ?? USERS_QUEUE });
      if (opts) await app.listen({ port: opts.port, host: opts.host });
      else await app.ready();
    },
    async close() {
      await subscription?.cancel();
      await app.close();
      await relay.stop();
      await prisma.$disconnect();
    },
  };
}
