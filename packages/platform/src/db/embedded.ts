import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type pg from 'pg';
import { CLUSTER_OPTIONS, hasCluster, seedFromTemplate } from './cluster-template.js';
import { lockDataDir, restrictToOwner } from './data-dir-lock.js';
import { keepConnectionOnQueryError } from './keep-connection.js';
import { createPgPool } from './pool.js';

export interface EmbeddedPostgresOptions {
  /**
   * PGlite's data directory; reopened (under 1 s) if it holds a cluster, else made one: copied
   * from the template in `clusterCacheDir` (0.2 s), or by initdb (3-5 s).
   */
  dataDir: string;
  /**
   * Where an empty cluster made by initdb is kept, to copy into a new `dataDir` instead of running
   * initdb each time (see cluster-template.ts); built there on first use. Unset: initdb every time.
   */
  clusterCacheDir?: string;
  /** Told when the template cannot be used (the cluster is then made by initdb). */
  logger?: { warn(obj: object, msg: string): void };
  /** 0 (the default) picks a free port; the one in use is reported in the result. */
  port?: number;
  host?: string;
}

export interface EmbeddedPostgres {
  /** For tools in other processes; they get the single connection only while `pool` is closed. */
  url: string;
  host: string;
  port: number;
  /** Connections the server accepts at once; one more is cut off at connect. */
  maxConnections: 1;
  /** The one pool (max 1) everything in this process must share; ended by `close()`. */
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * PGlite (Postgres in WASM) served over the Postgres wire protocol from this process, so `pg` and
 * Prisma's adapter-pg talk to it exactly as to a real server.
 *
 * Why exactly one connection (measured on pglite 0.5.14 + pglite-socket 0.2.17, see README.md):
 * PGlite is a single Postgres session, and the socket server multiplexes every client onto it one
 * protocol message at a time. Two connections therefore share search_path, SET values, temp
 * tables, named prepared statements and advisory locks (both "hold" the same lock), and while one
 * is inside a transaction the other's statements are parked with no timeout, so a transaction
 * that waits on another connection hangs forever. One connection has none of these traps; the
 * shared pool makes it the only one, and keeps it open because a pool that closes and reopens
 * can reconnect a moment before the server has counted the old connection as gone.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = opts.host ?? '127.0.0.1';
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  // PGlite itself happily opens a directory that another process has open, and corrupts it.
  const unlock = await lockDataDir(opts.dataDir);
  let db: PGlite | undefined;
  try {
    if (opts.clusterCacheDir && !hasCluster(opts.dataDir)) {
      await seedFromTemplate(opts.dataDir, opts.clusterCacheDir).catch((err: Error) => {
        opts.logger?.warn({ err: err.message, clusterCacheDir: opts.clusterCacheDir }, 'cannot copy the cached empty cluster; running initdb');
      });
    }
    db = await PGlite.create(opts.dataDir, CLUSTER_OPTIONS);
    // initdb's files come out 0666 whatever the umask; they hold every row and the WAL.
    restrictToOwner(opts.dataDir);
    const server = new PGLiteSocketServer({ db, host, port: opts.port ?? 0, maxConnections: 1 });
    await server.start();
    const conn = server.getServerConn();
    const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
    const url = `postgresql://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`;
    // A failed statement must not cost the one connection (and the next caller's query).
    const pool = keepConnectionOnQueryError(createPgPool(url, { max: 1, idleTimeoutMillis: 0 }));
    const opened = db;
    let closing: Promise<void> | undefined;
    const close = async () => {
      // pool.end() waits for checked-out clients to be released, so a caller that never releases
      // one (a transaction left open) would hang shutdown. Stopping the server cuts it off
      // instead, and the server rolls its transaction back before PGlite closes.
      const checkedOut = pool.totalCount - pool.idleCount;
      const poolEnded = pool.end();
      if (checkedOut === 0) await poolEnded;
      await server.stop();
      await opened.close();
      await unlock();
    };
    return { url, host, port, maxConnections: 1, pool, close: () => (closing ??= close()) };
  } catch (err) {
    await db?.close().catch(() => undefined);
    await unlock();
    throw err;
  }
}
