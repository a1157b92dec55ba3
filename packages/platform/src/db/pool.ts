import pg from 'pg';

export interface PgPoolOptions {
  /** Most connections the pool opens; keep it at or below what the server accepts. */
  max?: number;
  /** Shows up in pg_stat_activity, so a DBA can tell which service holds a connection. */
  applicationName?: string;
  /** 0 keeps idle connections open forever (what a single-connection server wants). */
  idleTimeoutMillis?: number;
  /** Called for errors on idle clients (server restart, network drop). */
  onIdleError?: (err: Error) => void;
  /** Settings for every connection, as `-c name=value` pairs (libpq's `options`). */
  options?: string;
}

export function createPgPool(url: string, opts: PgPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName,
    ...(opts.options ? { options: opts.options } : {}),
    // Fail fast when the database is unreachable or the pool is exhausted, instead of hanging a request.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000,
    // Notices half-open TCP connections (NAT, load balancers) before a query lands on one.
    keepAlive: true,
  });
  // Without a listener, an idle client's error (e.g. the server restarting) is an uncaught
  // 'error' event and kills the process; the pool already discards the broken client.
  pool.on('error', opts.onIdleError ?? warnIdleError);
  // pg-pool listens on idle clients only. A checked-out one whose connection drops (a failover
  // terminates every backend) emits 'error' to whoever holds it, and code that holds a client
  // without listening (a library, a forgotten path) would crash the process. The holder still
  // learns of the loss: its next query rejects, and the pool discards the client on release.
  pool.on('connect', (client) => client.on('error', ignoreHeldClientError));
  return pool;
}

function ignoreHeldClientError(): void {}

function warnIdleError(err: Error): void {
  process.emitWarning(`idle PostgreSQL client error: ${err.message}`, 'PgPoolWarning');
}

/**
 * The `/readyz` check of PostgreSQL: answers whether the database is there, not whether this pool
 * has a free connection. With every connection busy, `pool.query` would wait in line behind the
 * requests, and an overloaded service would report its database as down (a load balancer then
 * takes it out, which makes the overload worse). So a saturated pool is checked on a connection of
 * its own, opened and closed for the check, with a short connect timeout. A one-connection pool
 * (embedded mode) is always checked through the pool.
 */
export async function checkPostgres(pool: pg.Pool, connectTimeoutMs = 2_000): Promise<void> {
  const options = (pool as unknown as { options: pg.PoolConfig & { max?: number } }).options;
  const max = options.max ?? 10;
  // A one-connection pool (embedded mode: PGlite serves exactly one) has nothing else to check with.
  const saturated = max > 1 && pool.idleCount === 0 && pool.totalCount >= max;
  if (!saturated) {
    await pool.query('SELECT 1');
    return;
  }
  // The pool's own client class (embedded mode may give it another), with the pool's settings.
  const Client = (pool as unknown as { Client: typeof pg.Client }).Client ?? pg.Client;
  const client = new Client({ ...options, connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}
