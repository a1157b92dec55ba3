import pg from 'pg';

type QueryCallback = (err: Error | undefined, result?: pg.QueryResult) => void;

/**
 * Makes `pool.query` keep its connection when a statement fails but the connection is fine.
 *
 * pg-pool's `query` releases the client with the error, which ends the connection, for *any*
 * failed statement: a unique violation, a division by zero, a NUL byte in a parameter. Against a
 * server that accepts a single connection (embedded PGlite), the pool then reconnects at once,
 * before the server has counted the old connection as gone, and the next caller's query fails
 * with `Connection terminated unexpectedly` (test/db/embedded-failed-query.test.ts). Prisma's
 * adapter runs every query outside a transaction through `pool.query`, so one bad request used to
 * fail whoever came next.
 *
 * Here an error the server reported as a plain ERROR leaves the connection in the pool, provided
 * it is still usable and not inside a transaction (a failed `BEGIN ...` sent through `pool.query`
 * is rolled back first). Anything else (a lost connection, a FATAL, a client-side error) releases
 * it with the error, as pg-pool does. Callbacks and submittables behave as before.
 */
export function keepConnectionOnQueryError(pool: pg.Pool): pg.Pool {
  const original = pool.query.bind(pool) as (...args: unknown[]) => unknown;

  async function run(config: unknown, values: unknown): Promise<pg.QueryResult> {
    const client = await pool.connect();
    let result: pg.QueryResult;
    try {
      result = await client.query(config as pg.QueryConfig, values as unknown[] | undefined);
    } catch (err) {
      client.release((await reusableAfter(client, err)) ? undefined : (err as Error));
      throw err;
    }
    client.release();
    return result;
  }

  const query = (config: unknown, values?: unknown, callback?: unknown): unknown => {
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    // Streams and cursors (`submit`) manage their client themselves; leave them to pg-pool.
    if (typeof config === 'function' || (typeof config === 'object' && config !== null && typeof (config as { submit?: unknown }).submit === 'function')) {
      return original(config, values, callback);
    }
    const result = run(config, values);
    if (typeof callback !== 'function') return result;
    const cb = callback as QueryCallback;
    result.then((r) => cb(undefined, r), (e: Error) => cb(e));
    return undefined;
  };
  (pool as unknown as { query: typeof query }).query = query;
  return pool;
}

async function reusableAfter(client: pg.PoolClient, err: unknown): Promise<boolean> {
  if (!(err instanceof pg.DatabaseError) || err.severity !== 'ERROR') return false;
  const state = client as unknown as { _queryable?: boolean; _ending?: boolean };
  if (state._queryable === false || state._ending) return false;
  const status = client.getTransactionStatus?.();
  if (status === 'I') return true;
  if (status !== 'E' && status !== 'T') return false;
  try {
    await client.query('ROLLBACK');
    return client.getTransactionStatus() === 'I';
  } catch {
    return false;
  }
}
