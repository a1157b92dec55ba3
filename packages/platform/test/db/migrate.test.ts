import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  createPgPool,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationIncompleteError,
  migrationStatus,
} from '../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing.js';
import { fixtureMigrationsDir, scratchMigrations, uniqueSchema, type ScratchMigrations } from './fixture/migration-dirs.js';

let db: TestDatabase;
let pool: pg.Pool;
const scratch: ScratchMigrations[] = [];

beforeAll(async () => {
  db = await createTestDatabase('platform_migrate');
  pool = createPgPool(db.url, { max: 12 });
});
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((s) => s.remove()));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function migrations(files: Record<string, string>): Promise<ScratchMigrations> {
  const s = await scratchMigrations(files);
  scratch.push(s);
  return s;
}

describe('applyMigrations', () => {
  it('applies folders in name order into the schema and returns only what it applied', async () => {
    const schema = uniqueSchema('ordered');
    const m = await migrations({
      '20250102000000_second': 'INSERT INTO item (label) VALUES (\'second\');',
      '20250101000000_first': 'CREATE TABLE item (label TEXT NOT NULL);',
    });
    expect(await applyMigrations({ pool, schema, migrationsDir: m.dir })).toEqual([
      '20250101000000_first',
      '20250102000000_second',
    ]);
    expect(await applyMigrations({ pool, schema, migrationsDir: m.dir })).toEqual([]);
    const rows = await pool.query(`SELECT label FROM "${schema}".item`);
    expect(rows.rows).toEqual([{ label: 'second' }]);
    const inPublic = await pool.query("SELECT to_regclass('public.item') AS t");
    expect(inPublic.rows[0].t).toBeNull();
  });

  it('records migrations in _prisma_migrations exactly as Prisma does', async () => {
    const schema = uniqueSchema('recorded');
    await applyMigrations({ pool, schema, migrationsDir: fixtureMigrationsDir });
    const columns = await pool.query(
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = '_prisma_migrations'
        ORDER BY ordinal_position`,
      [schema],
    );
    expect(columns.rows).toEqual([
      { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'migration_name', data_type: 'character varying', len: 255, is_nullable: 'NO', column_default: null },
      { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'NO', column_default: 'now()' },
      { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
    ]);
    const rows = await pool.query(
      `SELECT id, checksum, migration_name, logs, rolled_back_at, applied_steps_count,
              finished_at IS NOT NULL AS finished, started_at <= finished_at AS ordered
         FROM "${schema}"._prisma_migrations ORDER BY migration_name`,
    );
    const sql = await readFile(`${fixtureMigrationsDir}/20250101000000_init/migration.sql`);
    expect(rows.rows).toHaveLength(2);
    expect(rows.rows[0]).toMatchObject({
      checksum: createHash('sha256').update(sql).digest('hex'),
      migration_name: '20250101000000_init',
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
      finished: true,
      ordered: true,
    });
    expect(rows.rows[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sends each migration as one script, so semicolons inside $$ bodies survive', async () => {
    const schema = uniqueSchema('dollar');
    await applyMigrations({ pool, schema, migrationsDir: fixtureMigrationsDir });
    const result = await pool.query(`SELECT "${schema}".counter_floor(-5) AS low, "${schema}".counter_floor(7) AS high`);
    expect(result.rows[0]).toEqual({ low: 0, high: 7 });
  });

  it('refuses to start when an applied migration was edited, naming it, and applies nothing', async () => {
    const schema = uniqueSchema('edited');
    const m = await migrations({ '20250101000000_init': 'CREATE TABLE a (id INT);' });
    await applyMigrations({ pool, schema, migrationsDir: m.dir });
    await m.write('20250101000000_init', 'CREATE TABLE a (id BIGINT);');
    await m.write('20250102000000_next', 'CREATE TABLE b (id INT);');

    const failure = applyMigrations({ pool, schema, migrationsDir: m.dir });
    await expect(failure).rejects.toThrow(MigrationChecksumError);
    await expect(failure).rejects.toThrow(/20250101000000_init/);
    const b = await pool.query('SELECT to_regclass($1) AS t', [`"${schema}".b`]);
    expect(b.rows[0].t).toBeNull();
    expect(await migrationStatus({ pool, schema, migrationsDir: m.dir })).toEqual({
      applied: ['20250101000000_init'],
      pending: ['20250102000000_next'],
      modified: ['20250101000000_init'],
      failed: [],
    });
  });

  it('accepts a migration whose only change is CRLF line endings, as Prisma does', async () => {
    const schema = uniqueSchema('crlf');
    const m = await migrations({ '20250101000000_init': 'CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n' });
    await applyMigrations({ pool, schema, migrationsDir: m.dir });
    await m.write('20250101000000_init', 'CREATE TABLE a (id INT);\r\nCREATE TABLE b (id INT);\r\n');
    expect(await applyMigrations({ pool, schema, migrationsDir: m.dir })).toEqual([]);
  });

  it('rolls a failing migration back completely and names it', async () => {
    const schema = uniqueSchema('failing');
    const m = await migrations({
      '20250101000000_ok': 'CREATE TABLE kept (id INT);',
      '20250102000000_bad': 'CREATE TABLE half (id INT); SELECT no_such_function();',
    });
    const failure = applyMigrations({ pool, schema, migrationsDir: m.dir });
    await expect(failure).rejects.toThrow(MigrationFailedError);
    await expect(failure).rejects.toThrow(/20250102000000_bad.*no_such_function/);
    const tables = await pool.query(
      'SELECT to_regclass($1) IS NOT NULL AS kept, to_regclass($2) IS NOT NULL AS half',
      [`"${schema}".kept`, `"${schema}".half`],
    );
    expect(tables.rows[0]).toEqual({ kept: true, half: false });
    expect(await migrationStatus({ pool, schema, migrationsDir: m.dir })).toMatchObject({
      applied: ['20250101000000_ok'],
      pending: ['20250102000000_bad'],
    });
    // The fixed file applies on the next start.
    await m.write('20250102000000_bad', 'CREATE TABLE half (id INT);');
    expect(await applyMigrations({ pool, schema, migrationsDir: m.dir })).toEqual(['20250102000000_bad']);
  });

  it('does not leave the migration search_path on pooled connections', async () => {
    const schema = uniqueSchema('path');
    const single = createPgPool(db.url, { max: 1 });
    try {
      const before = await single.query('SHOW search_path');
      await applyMigrations({ pool: single, schema, migrationsDir: fixtureMigrationsDir });
      expect((await single.query('SHOW search_path')).rows).toEqual(before.rows);
    } finally {
      await single.end();
    }
  });

  it('lets many instances start at once and applies each migration exactly once', async () => {
    const schema = uniqueSchema('race');
    // Not idempotent on purpose: a second application would fail on the existing table.
    const m = await migrations({
      '20250101000000_slow': 'CREATE TABLE one (id INT); SELECT pg_sleep(0.3);',
      '20250102000000_more': 'CREATE TABLE two (id INT);',
    });
    const pools = Array.from({ length: 6 }, () => createPgPool(db.url, { max: 1 }));
    try {
      const results = await Promise.all(pools.map((p) => applyMigrations({ pool: p, schema, migrationsDir: m.dir })));
      expect(results.flat().sort()).toEqual(['20250101000000_slow', '20250102000000_more']);
      const rows = await pool.query(`SELECT migration_name FROM "${schema}"._prisma_migrations`);
      expect(rows.rowCount).toBe(2);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('refuses to start over a migration the Prisma CLI recorded as failed', async () => {
    const schema = uniqueSchema('cli_failed');
    const m = await migrations({ '20250101000000_init': 'CREATE TABLE a (id INT);' });
    await applyMigrations({ pool, schema, migrationsDir: m.dir });
    await m.write('20250102000000_broken', 'CREATE TABLE b (id INT);');
    await pool.query(
      `INSERT INTO "${schema}"._prisma_migrations (id, checksum, migration_name, logs)
       VALUES (gen_random_uuid(), 'x', '20250102000000_broken', 'error')`,
    );
    const failure = applyMigrations({ pool, schema, migrationsDir: m.dir });
    await expect(failure).rejects.toThrow(MigrationIncompleteError);
    await expect(failure).rejects.toThrow(/20250102000000_broken/);
    // `prisma migrate resolve --rolled-back` marks it; then it applies again.
    await pool.query(`UPDATE "${schema}"._prisma_migrations SET rolled_back_at = now() WHERE checksum = 'x'`);
    expect(await applyMigrations({ pool, schema, migrationsDir: m.dir })).toEqual(['20250102000000_broken']);
  });

  it('names a migration folder that has no migration.sql', async () => {
    const m = await migrations({});
    await mkdir(`${m.dir}/20250101000000_empty`);
    await expect(applyMigrations({ pool, schema: uniqueSchema('nofile'), migrationsDir: m.dir })).rejects.toThrow(
      /20250101000000_empty has no migration.sql/,
    );
  });
});

describe('migrationStatus', () => {
  it('reports everything pending for a schema that does not exist, without creating it', async () => {
    const schema = uniqueSchema('absent');
    expect(await migrationStatus({ pool, schema, migrationsDir: fixtureMigrationsDir })).toEqual({
      applied: [],
      pending: ['20250101000000_init', '20250102000000_counter_note'],
      modified: [],
      failed: [],
    });
    const found = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    expect(found.rowCount).toBe(0);
  });

  it('reports applied and pending after a partial deploy', async () => {
    const schema = uniqueSchema('partial');
    const m = await migrations({ '20250101000000_a': 'CREATE TABLE a (id INT);' });
    await applyMigrations({ pool, schema, migrationsDir: m.dir });
    await m.write('20250102000000_b', 'CREATE TABLE b (id INT);');
    expect(await migrationStatus({ pool, schema, migrationsDir: m.dir })).toEqual({
      applied: ['20250101000000_a'],
      pending: ['20250102000000_b'],
      modified: [],
      failed: [],
    });
  });
});
