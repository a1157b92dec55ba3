import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/index.js';

/**
 * The embedded database has one connection for the whole process. pg-pool's `query` used to end
 * it on any failed statement and reconnect at once, before the server had let the old connection
 * go, so the next caller (another person's request) got `Connection terminated unexpectedly`.
 * These send the failing statement straight at the db layer, bypassing HTTP validation.
 */
let tmp: string;
let embedded: EmbeddedPostgres;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'herald-platform-failed-query-'));
  embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg') });
  await embedded.pool.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
});
afterAll(async () => {
  try {
    await embedded?.close();
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
});

const failing: Array<[string, string, unknown[], RegExp]> = [
  ['a NUL byte in a text parameter', 'INSERT INTO notes VALUES (1, $1)', ['a\u0000b'], /invalid byte sequence/],
  ['a unique violation', 'INSERT INTO notes VALUES (100, $1)', ['dup'], /duplicate key/],
  ['division by zero', 'SELECT 1 / $1::int', [0], /division by zero/],
  ['a syntax error', 'SELEC $1::int', [1], /syntax error/],
];

describe('the embedded connection after a failed query', () => {
  beforeAll(async () => {
    await embedded.pool.query(`INSERT INTO notes VALUES (100, 'first')`);
  });

  it.each(failing)('survives %s: the next caller, right after, gets its answer', async (_name, sql, params, error) => {
    await expect(embedded.pool.query(sql, params)).rejects.toThrow(error);
    // Sequential: exactly the moment the old behaviour reconnected and was refused.
    expect((await embedded.pool.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 1 }]);
    expect(embedded.pool.totalCount).toBe(1);
  });

  it('answers a caller that was already waiting for the connection', async () => {
    const [bad, good] = await Promise.allSettled([
      embedded.pool.query('INSERT INTO notes VALUES (2, $1)', ['x\u0000']),
      embedded.pool.query<{ body: string }>('SELECT body FROM notes WHERE id = 100'),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good).toEqual({ status: 'fulfilled', value: expect.objectContaining({ rows: [{ body: 'first' }] }) });
  });

  it('rolls back a transaction that a failed statement left aborted, instead of handing it on', async () => {
    await expect(embedded.pool.query(`BEGIN; INSERT INTO notes VALUES (3, 'in tx'); SELECT 1/0;`)).rejects.toThrow(/division by zero/);
    const { rows } = await embedded.pool.query('SELECT count(*)::int AS n FROM notes');
    expect(rows).toEqual([{ n: 1 }]);
    const client = await embedded.pool.connect();
    try {
      expect(client.getTransactionStatus()).toBe('I');
    } finally {
      client.release();
    }
  });

  it('keeps the callback form of pool.query working', async () => {
    const err = await new Promise<Error | undefined>((resolve) => embedded.pool.query('SELECT 1/0', (e: Error | undefined) => resolve(e)));
    expect(err?.message).toMatch(/division by zero/);
    const rows = await new Promise((resolve, reject) => embedded.pool.query('SELECT 7 AS seven', (e, r) => (e ? reject(e) : resolve(r.rows))));
    expect(rows).toEqual([{ seven: 7 }]);
  });

  it('through Prisma adapter-pg too: a failing query, then another caller\'s query succeeds', async () => {
    const adapter = await new PrismaPg(embedded.pool).connect();
    await expect(adapter.queryRaw({ sql: 'INSERT INTO notes VALUES ($1, $2)', args: [4, 'nul \u0000 here'], argTypes: [{ scalarType: 'int', arity: 'scalar' }, { scalarType: 'string', arity: 'scalar' }] })).rejects.toThrow();
    const next = await adapter.queryRaw({ sql: 'SELECT count(*)::int AS n FROM notes', args: [], argTypes: [] });
    expect(next.rows).toEqual([[1]]);
  });

  it('still replaces a connection that was really lost', async () => {
    const client = await embedded.pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    client.release(new Error('pretend it broke'));
    expect(rows[0]!.pid).toBeTypeOf('number');
    // The pool opens a new one (allowing the server a moment to count the old one as gone).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await embedded.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
