/**
 * Tells "the database is not there right now" (failover, restart, network drop, pool starved of
 * connections) from a bug or a bad query, so the HTTP edge can answer 503 and let the caller
 * retry instead of a 500. Errors reach us from pg directly, and from Prisma wrapping pg's errors
 * (`meta.driverAdapterError.cause`), so this walks the error and what it wraps, by shape: the
 * platform does not depend on Prisma.
 */
export type Unavailability = 'database' | 'dependency';

// Class 08 is "connection exception"; 57P01-57P03 are admin/crash shutdown and "cannot connect
// now" (a starting or failing-over server); 53300 is too_many_connections.
const SQLSTATES = /^(08...|57P0[1-3]|53300)$/;

// Prisma: P1001 unreachable, P1002 timed out, P1008 operation timed out, P1017 server closed the
// connection, P2024 timed out taking a connection from the pool, P2028 a transaction that could not
// start within its wait (every connection busy) or ran past its timeout (rolled back, so a retry is safe).
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);

// The driver adapter's names for socket-level failures.
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

// pg raises these as plain Errors with no code.
const PG_MESSAGES = [
  /Connection terminated/, // the socket closed under a query or while connecting (Prisma may prefix it)
  /timeout exceeded when trying to connect/, // pg-pool's connectionTimeoutMillis
  /is not queryable/, // a client whose connection already failed
];

// Bare socket errors say nothing about which server failed, so they count as "some dependency".
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** 'database' or 'dependency' when `err` means a server is unreachable; undefined otherwise. */
export function classifyUnavailable(err: unknown): Unavailability | undefined {
  let found: Unavailability | undefined;
  visit(err, 0, new Set(), (node) => {
    const verdict = judge(node);
    if (verdict === 'database') found = 'database';
    else if (verdict) found ??= verdict;
    return found === 'database';
  });
  return found;
}

/** True when `err` means PostgreSQL (or the connection to it) is down, not that the query failed. */
export function isDatabaseUnavailable(err: unknown): boolean {
  return classifyUnavailable(err) === 'database';
}

type Node = Record<string, unknown>;

function judge(node: Node): Unavailability | undefined {
  const code = typeof node.code === 'string' ? node.code : undefined;
  const original = typeof node.originalCode === 'string' ? node.originalCode : undefined;
  if ([code, original].some((c) => c !== undefined && SQLSTATES.test(c))) return 'database';
  // FATAL ends the session by definition: whatever the SQLSTATE, this connection is gone
  // (e.g. 55000 "database is not currently accepting connections" during a failover).
  if (node.severity === 'FATAL' || node.severity === 'PANIC') return 'database';
  if (code !== undefined && PRISMA_CODES.has(code)) return 'database';
  if (typeof node.kind === 'string' && ADAPTER_KINDS.has(node.kind)) return 'database';
  const message = typeof node.message === 'string' ? node.message : '';
  if (PG_MESSAGES.some((re) => re.test(message))) return 'database';
  if (code !== undefined && SOCKET_CODES.has(code)) return 'dependency';
  return undefined;
}

/** Depth-first over the error and what it wraps; `stop` returning true ends the walk. */
function visit(value: unknown, depth: number, seen: Set<unknown>, stop: (node: Node) => boolean): boolean {
  if (depth > 6 || value === null || typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  const node = value as Node;
  if (stop(node)) return true;
  const children = [node.cause, node.meta, node.driverAdapterError, ...(Array.isArray(node.errors) ? node.errors : [])];
  return children.some((child) => visit(child, depth + 1, seen, stop));
}
