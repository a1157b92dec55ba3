import { DEFAULT_REFRESH_REUSE_GRACE_SECONDS } from './domain/sessions.js';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  checkPostgres,
  OutboxRelay,
  applyMigrations,
  createHttpApp,
  createRetentionRunner,
  uuidv7,
  type EventBus,
  type HttpApp,
  type Logger,
  type RetentionRunner,
  type Subscription,
  type TokenSigner,
  type TokenVerifier,
} from '@herald/platform';
import { PrismaClient } from './generated/prisma/client.js';
import type { UseCaseDeps } from './app/deps.js';
import type { Clock, PasswordHasher } from './domain/ports.js';
import { ADDRESS_BOUNCES_QUEUE, subscribeAddressBounces } from './adapters/address-bounced-consumer.js';
import { PrismaBlockRepository } from './adapters/prisma-block-repository.js';
import { PrismaFollowRepository } from './adapters/prisma-follow-repository.js';
import { PrismaSessionRepository } from './adapters/prisma-session-repository.js';
import { PrismaLoginFailures } from './adapters/prisma-login-failures.js';
import { PrismaUserRepository } from './adapters/prisma-user-repository.js';
import { userRetentionTasks, type UserRetentionSettings } from './adapters/prisma-retention.js';
import { ScryptPasswordHasher } from './adapters/scrypt-password-hasher.js';
import { tokenIssuer } from './adapters/token-issuer.js';
import { authRoutes } from './http/auth-routes.js';
import { blockRoutes } from './http/block-routes.js';
import { DOMAIN_ERROR_STATUSES } from './http/error-statuses.js';
import { followRoutes } from './http/follow-routes.js';
import { userRoutes } from './http/user-routes.js';

export interface UserServiceDeps {
  logger: Logger;
  registry: Registry;
  /** May be shared with other services (embedded mode: one connection in all). */
  pool: pg.Pool;
  /** Postgres schema holding this service's tables, e.g. 'users'. */
  schema: string;
  bus: EventBus;
  verifier: TokenVerifier;
  signer: TokenSigner;
  /** LISTEN for outbox inserts on a dedicated connection (real Postgres); off when embedded. */
  listen: boolean;
  /** Queue of the user.address_bounced consumer; main.ts prefixes it, tests give each file its own. */
  bouncesQueue?: string;
  /** REFRESH_TOKEN_TTL_SECONDS: a session whose refresh token is not used for this long lapses. */
  refreshTokenTtlSeconds?: number;
  /** REFRESH_REUSE_GRACE_SECONDS: a spent refresh token presented again this soon is exchanged, not treated as reuse. */
  refreshReuseGraceSeconds?: number;
  /** Tests pass cheaper scrypt parameters; production uses the default. */
  hasher?: PasswordHasher;
  clock?: Clock;
  /** The retention job (RETENTION_*); defaults as documented. */
  retention?: Partial<RetentionSettings>;
}

/** What the retention job deletes, when, and how often it runs (README.md "Configuration"). */
export interface RetentionSettings extends UserRetentionSettings {
  /** 0: the job never runs by itself (runOnce still works). */
  intervalMs: number;
  batchSize: number;
}

export const RETENTION_DEFAULTS: RetentionSettings = { intervalMs: 3_600_000, batchSize: 1000, sessionsDays: 30, loginFailuresHours: 24 };

export interface UserService {
  app: HttpApp;
  relay: OutboxRelay;
  /** The retention job: scheduled by start(); tests call runOnce(). */
  retention: RetentionRunner;
  /** Applies migrations, starts the outbox relay and the bounce consumer, then listens when a port is given. */
  start(opts?: { port?: number; host?: string }): Promise<void>;
  /** Stops consuming, taking requests and publishing; the pool and the bus belong to the caller. */
  close(): Promise<void>;
}

/** 30 days: a device unused for a month logs in again. */
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

/** The composition root: adapters in, use cases wired to routes, one app out. */
export async function createUserService(deps: UserServiceDeps): Promise<UserService> {
  const { logger, pool, schema, bus } = deps;
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool, { schema }),
    // Prisma gives up on a transaction after 2 s waiting for a connection by default; under a burst
    // that is a 500 for a request the pool would have served, so wait as long as the pool does.
    transactionOptions: { maxWait: 10_000, timeout: 10_000 },
  });
  const relay = new OutboxRelay({ pool, schema, bus, logger, listen: deps.listen });
  const wake = () => relay.wake();

  const useCases: UseCaseDeps = {
    users: new PrismaUserRepository(prisma, { onOutboxCommit: wake, schema }),
    follows: new PrismaFollowRepository(prisma, { onOutboxCommit: wake, schema }),
    blocks: new PrismaBlockRepository(prisma, { onOutboxCommit: wake, schema }),
    hasher: deps.hasher ?? new ScryptPasswordHasher(),
    tokens: tokenIssuer(deps.signer),
    sessions: new PrismaSessionRepository(prisma, { onOutboxCommit: wake, schema }),
    loginFailures: new PrismaLoginFailures(prisma, schema),
    refreshTokenTtlSeconds: deps.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
    refreshReuseGraceSeconds: deps.refreshReuseGraceSeconds ?? DEFAULT_REFRESH_REUSE_GRACE_SECONDS,
    clock: deps.clock ?? { now: () => new Date() },
    newId: uuidv7,
  };

  const retentionSettings: RetentionSettings = { ...RETENTION_DEFAULTS, ...Object.fromEntries(Object.entries(deps.retention ?? {}).filter(([, v]) => v !== undefined)) };
  const retention = createRetentionRunner({
    tasks: userRetentionTasks(prisma, schema, retentionSettings),
    intervalMs: retentionSettings.intervalMs,
    batchSize: retentionSettings.batchSize,
    logger: logger.child({ component: 'retention' }),
    registry: deps.registry,
    clock: useCases.clock,
  });

  const app = await createHttpApp({
    service: 'user-service',
    logger,
    registry: deps.registry,
    readiness: { postgres: () => checkPostgres(pool), broker: () => bus.check() },
    openapi: { title: 'Herald user-service', description: 'Accounts, profiles, the follow graph and blocks' },
    domainErrorStatuses: DOMAIN_ERROR_STATUSES,
  });
  authRoutes(app, useCases, deps.verifier);
  userRoutes(app, useCases, deps.verifier);
  followRoutes(app, useCases, deps.verifier);
  blockRoutes(app, useCases, deps.verifier);

  let subscription: Subscription | undefined;
  return {
    app,
    relay,
    retention,
    async start(opts = {}) {
      await applyMigrations({ pool, schema, migrationsDir: MIGRATIONS_DIR, logger });
      await relay.start();
      subscription = await subscribeAddressBounces({ bus, users: useCases.users, logger, queue: deps.bouncesQueue ?? ADDRESS_BOUNCES_QUEUE });
      retention.start();
      await app.ready();
      if (opts.port !== undefined) await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
    },
    async close() {
      await retention.stop();
      await subscription?.cancel();
      await app.close();
      await relay.stop();
      await prisma.$disconnect();
    },
  };
}
