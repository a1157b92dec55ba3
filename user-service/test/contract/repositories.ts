import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { createEvent, type DomainEvent } from '@herald/contracts';
import { applyMigrations, createPgPool, uuidv7 } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { MemoryBlockRepository, MemoryFollowRepository, MemorySessionRepository, MemoryStore, MemoryUserRepository } from '../../src/adapters/memory-repositories.js';
import { PrismaBlockRepository } from '../../src/adapters/prisma-block-repository.js';
import { PrismaFollowRepository } from '../../src/adapters/prisma-follow-repository.js';
import { PrismaLoginFailures } from '../../src/adapters/prisma-login-failures.js';
import { PrismaSessionRepository } from '../../src/adapters/prisma-session-repository.js';
import { PrismaUserRepository } from '../../src/adapters/prisma-user-repository.js';
import { blockUser, unblockUser } from '../../src/app/block.js';
import type { BlockRepository, FollowEdge, FollowRepository, LoginFailures, NewUser, SessionRepository, UserRepository } from '../../src/domain/ports.js';
import type { User } from '../../src/domain/user.js';

/**
 * The repositories of one backend over one "database" (they share it: a follow moves the counters
 * the user repository reads, deleting an account takes its sessions, blocks and edges), and the
 * outbox those writes fill.
 */
export interface Repositories {
  users: UserRepository;
  follows: FollowRepository;
  blocks: BlockRepository;
  sessions: SessionRepository;
  loginFailures: LoginFailures;
  /** Every event committed so far, in the order the relay publishes them. */
  outbox(): Promise<DomainEvent[]>;
}

/** Builds the repositories of a backend; each contract calls it once and keeps to its own users. */
export type MakeRepositories = () => Promise<Repositories>;

/** Fresh in-memory repositories on a store of their own. */
export const memoryRepositories: MakeRepositories = async () => {
  const store = new MemoryStore();
  return {
    users: new MemoryUserRepository(store),
    follows: new MemoryFollowRepository(store),
    blocks: new MemoryBlockRepository(store),
    sessions: new MemorySessionRepository(store),
    loginFailures: store.loginFailures,
    outbox: async () => [...store.events],
  };
};

const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
const SCHEMA = 'users';

/**
 * The Prisma repositories on a database of their own, migrated by the real runner (created on the
 * first make(), dropped by close()). Several connections, so concurrent cases really overlap.
 */
export function prismaRepositories(prefix: string): { make: MakeRepositories; close(): Promise<void> } {
  let setup: Promise<{ db: TestDatabase; pool: pg.Pool; prisma: PrismaClient; repositories: Repositories }> | undefined;
  return {
    make: async () => {
      setup ??= (async () => {
        const db = await createTestDatabase(prefix);
        const pool = createPgPool(db.url, { max: 8 });
        await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
        // The service's transaction options: a burst of concurrent cases waits for a connection.
        const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema: SCHEMA }), transactionOptions: { maxWait: 10_000, timeout: 10_000 } });
        const options = { schema: SCHEMA };
        const repositories: Repositories = {
          users: new PrismaUserRepository(prisma, options),
          follows: new PrismaFollowRepository(prisma, options),
          blocks: new PrismaBlockRepository(prisma, options),
          sessions: new PrismaSessionRepository(prisma, options),
          loginFailures: new PrismaLoginFailures(prisma, SCHEMA),
          outbox: async () => (await pool.query<{ payload: DomainEvent }>(`SELECT payload FROM "${SCHEMA}".outbox ORDER BY created_at, id`)).rows.map((r) => r.payload),
        };
        return { db, pool, prisma, repositories };
      })();
      return (await setup).repositories;
    },
    async close() {
      if (!setup) return;
      const { db, pool, prisma } = await setup;
      await prisma.$disconnect();
      await pool.end();
      await db.drop();
    },
  };
}

// --- what the contracts write ---------------------------------------------------------------

const PRODUCER = 'user-service';
let n = 0;

/** A timestamp of a whole millisecond (the tables keep milliseconds), `ms` after a fixed instant. */
export const at = (ms = 0) => new Date(Date.UTC(2027, 0, 1, 12) + ms);

/** A new account, unique in every store (the Prisma database is shared by a file's cases). */
export function aNewUser(overrides: Partial<NewUser> = {}): NewUser {
  n++;
  const tag = `${n}_${randomBytes(3).toString('hex')}`;
  const username = overrides.username ?? `u_${tag}`;
  return {
    id: uuidv7(),
    username,
    email: `${username.toLowerCase()}@example.com`,
    passwordHash: 'scrypt$1024$8$1$salt$hash',
    displayName: username,
    phone: null,
    locale: 'en',
    timezone: 'UTC',
    createdAt: at(),
    ...overrides,
  };
}

export const registered = (user: NewUser) =>
  createEvent(
    'user.registered',
    { userId: user.id, username: user.username, displayName: user.displayName, email: user.email, phone: user.phone, locale: user.locale, timezone: user.timezone },
    { producer: PRODUCER, id: uuidv7(), occurredAt: user.createdAt },
  );

/** Creates accounts one after another (their ids increase in that order). */
export async function people(r: Repositories, count: number, overrides: Partial<NewUser> = {}): Promise<User[]> {
  const made: User[] = [];
  for (let i = 0; i < count; i++) {
    const user = aNewUser(overrides);
    made.push(await r.users.create(user, registered(user)));
  }
  return made;
}

export const followedEvent = (follower: Pick<User, 'id' | 'username' | 'displayName'>, followeeId: string, occurredAt = new Date()) =>
  createEvent('user.followed', { follower: { id: follower.id, username: follower.username, displayName: follower.displayName }, followeeId }, { producer: PRODUCER, id: uuidv7(), occurredAt });

export const unfollowedEvent = (followerId: string, followeeId: string, occurredAt = new Date()) =>
  createEvent('user.unfollowed', { followerId, followeeId }, { producer: PRODUCER, id: uuidv7(), occurredAt });

export const deletedEvent = (userId: string) => createEvent('user.deleted', { userId }, { producer: PRODUCER, id: uuidv7(), occurredAt: new Date() });

export const revokedEvent = (userId: string, reason: 'logout' | 'logout_all' | 'password_changed' | 'refresh_token_reuse', sessionIds?: string[]) =>
  createEvent('session.revoked', { userId, reason, ...(sessionIds && sessionIds.length > 0 ? { sessionIds } : {}) }, { producer: PRODUCER, id: uuidv7(), occurredAt: new Date() });

/** A follow edge as the use case makes it. */
export const anEdge = (followerId: string, followeeId: string, createdAt = at()): FollowEdge => ({ id: uuidv7(), followerId, followeeId, createdAt });

/** `follower` follows `followee` the way the use case does; true when the edge was added. */
export const follow = (r: Repositories, follower: User, followee: Pick<User, 'id'>, createdAt = new Date()) =>
  r.follows.follow(anEdge(follower.id, followee.id, createdAt), followedEvent(follower, followee.id, createdAt));

export const unfollow = (r: Repositories, followerId: string, followeeId: string) => r.follows.unfollow(followerId, followeeId, unfollowedEvent(followerId, followeeId));

/** A block and an unblock through the use cases' own decisions (domain/blocks.ts). */
export const block = (r: Repositories, blockerId: string, blockedId: string, now = () => new Date()) => blockUser({ blocks: r.blocks, clock: { now }, newId: uuidv7 }, blockerId, blockedId);
export const unblock = (r: Repositories, blockerId: string, blockedId: string, now = () => new Date()) => unblockUser({ blocks: r.blocks, clock: { now }, newId: uuidv7 }, blockerId, blockedId);

/** The ids, among `events`, that the outbox holds (a repeat shows twice), in outbox order. */
export async function written(r: Repositories, ...events: Array<{ id: string }>): Promise<string[]> {
  const wanted = new Set(events.map((e) => e.id));
  return (await r.outbox()).filter((e) => wanted.has(e.id)).map((e) => e.id);
}

/** The outbox's events about these people (by any user id in their data), in outbox order. */
export async function eventsAbout(r: Repositories, ...userIds: string[]): Promise<DomainEvent[]> {
  const ids = new Set(userIds);
  const mentions = (value: unknown): boolean =>
    typeof value === 'string' ? ids.has(value) : typeof value === 'object' && value !== null ? Object.values(value).some(mentions) : false;
  return (await r.outbox()).filter((e) => mentions(e.data));
}

/** A refresh token hash: 64 hex characters, as the domain stores them. */
export const aTokenHash = () => randomBytes(32).toString('hex');
