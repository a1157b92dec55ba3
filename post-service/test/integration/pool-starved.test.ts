import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyUnavailable, createPgPool } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createPrismaClient, type PostPrisma } from '../../src/adapters/prisma-client.js';

/**
 * Overload, not an outage: every connection of the pool is busy, so a transaction cannot start
 * within its wait. Prisma raises P2028; the HTTP edge must answer 503 (retry later), not 500.
 */
describe('a transaction that cannot get a connection in time', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let prisma: PostPrisma;

  beforeAll(async () => {
    db = await createTestDatabase('post_pool_starved');
    pool = createPgPool(db.url, { max: 1 });
    prisma = createPrismaClient(pool, 'public');
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await pool.end();
    await db.drop();
  });

  it('is P2028, classed as the database being unavailable (503), not a bug (500)', async () => {
    const held = await pool.connect();
    try {
      const err = await prisma.$transaction(async () => 1, { maxWait: 100 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as { code?: string }).code).toBe('P2028');
      expect(classifyUnavailable(err)).toBe('database');
    } finally {
      held.release();
    }
  });
});
