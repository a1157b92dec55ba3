import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool } from '../../src/db/index.js';
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
});
