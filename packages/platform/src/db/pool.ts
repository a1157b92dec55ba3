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
}

export function createPgPool(url: string, opts: PgPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName,
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
