import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  DataDirLockedError,
  migrationStatus,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/db/index.js';
import { fixtureMigrationsDir } from './fixture/migration-dirs.js';

let tmp: string;
let dataDir: string;
let embedded: EmbeddedPostgres;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'herald-platform-embedded-'));
  // Two levels that do not exist yet: start-up must create them.
  dataDir = path.join(tmp, 'state', 'postgres');
  embedded = await startEmbeddedPostgres({ dataDir });
});
afterAll(async () => {
  try {
    await embedded?.close();
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
});

describe('startEmbeddedPostgres', () => {
  it('serves the Postgres wire protocol on 127.0.0.1 and reports the port it picked', async () => {
    const { url, host, port, pool, maxConnections } = embedded;
    expect({ host, maxConnections }).toEqual({ host: '127.0.0.1', maxConnections: 1 });
    expect(port).toBeGreaterThan(0);
    expect(url).toBe(`postgresql://postgres@127.0.0.1:${port}/postgres`);
    const { rows } = await pool.query<{ version: string }>('SELECT version()');
    expect(rows[0]!.version).toMatch(/PGlite/);
  });

  it('cuts off a second connection while the shared pool holds the only one', async () => {
    await embedded.pool.query('SELECT 1');
    const second = new pg.Client({ connectionString: embedded.url });
    await expect(second.connect()).rejects.toThrow(/Connection terminated unexpectedly/);
    expect((await embedded.pool.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('runs applyMigrations, and the data and migration history survive close and reopen', async () => {
    const schema = 'app';
    expect(await applyMigrations({ pool: embedded.pool, schema, migrationsDir: fixtureMigrationsDir })).toEqual([
      '20250101000000_init',
      '20250102000000_counter_note',
    ]);
    await embedded.pool.query(`INSERT INTO app."Counter" (id, value, note) VALUES ('kept', 41, 'before restart')`);
    await embedded.close();

    embedded = await startEmbeddedPostgres({ dataDir });
    const { pool } = embedded;
    expect((await pool.query(`SELECT id, value, note FROM app."Counter"`)).rows).toEqual([
      { id: 'kept', value: 41, note: 'before restart' },
    ]);
    expect(await applyMigrations({ pool, schema, migrationsDir: fixtureMigrationsDir })).toEqual([]);
    expect(await migrationStatus({ pool, schema, migrationsDir: fixtureMigrationsDir })).toMatchObject({
      applied: ['20250101000000_init', '20250102000000_counter_note'],
      pending: [],
    });
  });

  it('refuses to open a data directory that is already open', async () => {
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(DataDirLockedError);
  });

  it('takes over the lock a crashed process left behind', async () => {
    await embedded.close();
    await writeFile(path.join(dataDir, 'embedded-postgres.lock'), String(await pidOfExitedProcess()));
    embedded = await startEmbeddedPostgres({ dataDir });
    expect((await embedded.pool.query(`SELECT count(*)::int AS n FROM app."Counter"`)).rows).toEqual([{ n: 1 }]);
  });

  it('closes even while a caller still holds the connection mid-transaction, and rolls it back', async () => {
    const held = await embedded.pool.connect();
    held.on('error', () => undefined);
    await held.query('BEGIN');
    await held.query(`INSERT INTO app."Counter" (id) VALUES ('uncommitted')`);
    await embedded.close();
    await expect(held.query('SELECT 1')).rejects.toThrow();
    held.release(true);

    embedded = await startEmbeddedPostgres({ dataDir });
    expect((await embedded.pool.query(`SELECT id FROM app."Counter" ORDER BY id`)).rows).toEqual([{ id: 'kept' }]);
  });
});

// The reason for one connection: pglite-socket multiplexes every connection onto PGlite's single
// session. If an upgrade gives connections their own sessions, this fails and the limit can go.
describe('pglite-socket with two connections', () => {
  it('shares one session between them and parks one while the other is in a transaction', async () => {
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, port: 0, maxConnections: 2 });
    await server.start();
    const url = `postgresql://postgres@${server.getServerConn()}/postgres`;
    const a = new pg.Client({ connectionString: url });
    const b = new pg.Client({ connectionString: url });
    try {
      await a.connect();
      await b.connect();
      await a.query("SET application_name = 'set-by-a'");
      expect((await b.query('SHOW application_name')).rows).toEqual([{ application_name: 'set-by-a' }]);
      const lockA = await a.query('SELECT pg_try_advisory_lock(1) AS ok');
      const lockB = await b.query('SELECT pg_try_advisory_lock(1) AS ok');
      expect([lockA.rows[0].ok, lockB.rows[0].ok]).toEqual([true, true]);

      await a.query('CREATE TABLE t (x INT)');
      await a.query('BEGIN');
      await a.query('INSERT INTO t VALUES (1)');
      let bAnswered = false;
      const bCount = b.query('SELECT count(*)::int AS n FROM t').then((r) => ((bAnswered = true), r.rows[0].n));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(bAnswered).toBe(false);
      await a.query('ROLLBACK');
      expect(await bCount).toBe(0);
    } finally {
      await Promise.all([a.end(), b.end()]);
      await server.stop();
      await db.close();
    }
  });
});

function pidOfExitedProcess(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork('-e', [''], { execArgv: [], stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}
