import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPostgres, createPgPool } from '../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('platform_pool');
});
afterAll(async () => {
  await db?.drop();
});

describe('createPgPool', () => {
  it('labels its connections with the application name', async () => {
    const pool = createPgPool(db.url, { applicationName: 'pool-test' });
    try {
      const { rows } = await pool.query('SHOW application_name');
      expect(rows).toEqual([{ application_name: 'pool-test' }]);
    } finally {
      await pool.end();
    }
  });

  it('applies `options` to every connection it opens', async () => {
    const pool = createPgPool(db.url, { max: 2, options: '-c plan_cache_mode=force_generic_plan' });
    try {
      const clients = await Promise.all([pool.connect(), pool.connect()]);
      for (const client of clients) expect((await client.query('SHOW plan_cache_mode')).rows).toEqual([{ plan_cache_mode: 'force_generic_plan' }]);
      clients.forEach((c) => c.release());
    } finally {
      await pool.end();
    }
  });

  it('survives the server killing an idle connection, and reconnects', async () => {
    const errors: Error[] = [];
    const pool = createPgPool(db.url, { max: 1, onIdleError: (err) => errors.push(err) });
    try {
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await admin.end();
      await expect.poll(() => errors.length).toBe(1);
      expect(errors[0]!.message).toMatch(/terminat/i);
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('fails fast when the server is unreachable', async () => {
    // Port 1 on loopback refuses at once; the point is an error, not a hang.
    const pool = createPgPool('postgresql://postgres@127.0.0.1:1/none');
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await pool.end();
    }
  });

  it('checkPostgres: a saturated pool is checked on a connection of its own, not in the queue behind the work', async () => {
    const pool = createPgPool(db.url, { max: 2 });
    try {
      await checkPostgres(pool);
      const held = [await pool.connect(), await pool.connect()];
      try {
        // Both connections are busy: a pool.query waits for one; the check answers anyway.
        const check = checkPostgres(pool);
        const queued = pool.query('SELECT 1').then(() => 'queued answered');
        expect(await Promise.race([check.then(() => 'check answered'), queued])).toBe('check answered');
        expect(pool.waitingCount).toBe(1);
      } finally {
        for (const client of held) client.release();
      }
      await checkPostgres(pool);
    } finally {
      await pool.end();
    }
  });

  it('checkPostgres rejects when the server is not there, busy pool or not', async () => {
    const pool = createPgPool('postgresql://postgres@127.0.0.1:1/nothing', { max: 1 });
    try {
      await expect(checkPostgres(pool)).rejects.toThrow();
    } finally {
      await pool.end();
    }
  });
});
