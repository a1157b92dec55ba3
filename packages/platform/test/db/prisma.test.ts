// Proves Prisma Client 7 (prisma-client generator + @prisma/adapter-pg) runs interactive
// transactions over this package's pools, in a non-public schema, on both database backends.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createPgPool, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing.js';
import { fixtureMigrationsDir, uniqueSchema } from './fixture/migration-dirs.js';
import { loadFixturePrismaClient, type FixturePrismaClientClass } from './fixture/prisma-client.js';

let PrismaClient: FixturePrismaClientClass;

beforeAll(async () => {
  PrismaClient = await loadFixturePrismaClient();
});

/** The same behaviours, run once per backend. */
function prismaOver(backend: string, open: () => Promise<{ pool: pg.Pool; close(): Promise<void> }>) {
  describe(`Prisma Client over ${backend}`, () => {
    const schema = uniqueSchema('prisma');
    let db: { pool: pg.Pool; close(): Promise<void> };
    let prisma: InstanceType<FixturePrismaClientClass>;

    beforeAll(async () => {
      db = await open();
      await applyMigrations({ pool: db.pool, schema, migrationsDir: fixtureMigrationsDir });
      // An existing pg.Pool is used as is (never ended by Prisma); `schema` qualifies every table.
      prisma = new PrismaClient({ adapter: new PrismaPg(db.pool, { schema }) });
    });
    afterAll(async () => {
      await prisma?.$disconnect();
      await db?.close();
    });

    it('reads and writes the tables of its own schema, not public', async () => {
      await prisma.counter.create({ data: { id: 'plain', value: 3 } });
      expect(await prisma.counter.findUnique({ where: { id: 'plain' } })).toEqual({ id: 'plain', value: 3, note: null });
      const where = await db.pool.query('SELECT to_regclass($1) IS NOT NULL AS ours, to_regclass($2) IS NOT NULL AS public', [
        `"${schema}"."Counter"`,
        'public."Counter"',
      ]);
      expect(where.rows[0]).toEqual({ ours: true, public: false });
    });

    it('commits an interactive transaction as a whole', async () => {
      const result = await prisma.$transaction(async (tx) => {
        await tx.counter.create({ data: { id: 'tx', value: 1 } });
        const row = await tx.counter.findUnique({ where: { id: 'tx' } });
        return tx.counter.update({ where: { id: 'tx' }, data: { value: row!.value + 1, note: 'committed' } });
      });
      expect(result).toEqual({ id: 'tx', value: 2, note: 'committed' });
      expect(await prisma.counter.findUnique({ where: { id: 'tx' } })).toEqual(result);
    });

    it('rolls an interactive transaction back when its callback throws', async () => {
      const failing = prisma.$transaction(async (tx) => {
        await tx.counter.create({ data: { id: 'rolled-back' } });
        throw new Error('changed my mind');
      });
      await expect(failing).rejects.toThrow('changed my mind');
      expect(await prisma.counter.findUnique({ where: { id: 'rolled-back' } })).toBeNull();
    });

    it('keeps concurrent read-modify-write transactions from losing updates', async () => {
      await prisma.counter.create({ data: { id: 'shared', value: 0 } });
      const increment = () =>
        prisma.$transaction(async (tx) => {
          // Row lock: the real server serialises here; PGlite already runs one transaction at a time.
          await tx.$queryRawUnsafe(`SELECT 1 FROM "${schema}"."Counter" WHERE id = 'shared' FOR UPDATE`);
          const row = await tx.counter.findUnique({ where: { id: 'shared' } });
          await tx.counter.update({ where: { id: 'shared' }, data: { value: row!.value + 1 } });
        });
      await Promise.all(Array.from({ length: 5 }, increment));
      expect((await prisma.counter.findUnique({ where: { id: 'shared' } }))!.value).toBe(5);
    });
  });
}

prismaOver('a test database on the real server', async () => {
  const database: TestDatabase = await createTestDatabase('platform_prisma');
  const pool = createPgPool(database.url, { max: 4 });
  return {
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
});

prismaOver('embedded PGlite', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'herald-platform-prisma-'));
  let embedded: EmbeddedPostgres;
  try {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg') });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return {
    pool: embedded.pool,
    close: async () => {
      try {
        await embedded.close();
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  };
});
