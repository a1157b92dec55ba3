import type pg from 'pg';

/**
 * A client checked out of a pool for longer than one query (a transaction, a migration, a LISTEN
 * session). While checked out, pg-pool's own `error` listener is detached, so a connection dropped
 * by the server (failover, pg_terminate_backend, network) emits `error` on a client nobody listens
 * to, and that kills the process. This keeps a listener on it for as long as it is held, remembers
 * the error, and makes release idempotent: a lost connection tends to report twice (the server's
 * FATAL message, then the socket closing), and pg-pool throws on a second release.
 */
export class HeldClient {
  private released = false;
  private lostWith?: Error;
  private readonly onError = (err: Error) => {
    if (this.lostWith) return;
    this.lostWith = err;
    this.onLost?.(err, this);
  };

  private constructor(
    readonly client: pg.PoolClient,
    private readonly onLost?: (err: Error, held: HeldClient) => void,
  ) {
    client.on('error', this.onError);
  }

  /** `onLost` runs at most once, when the connection fails while held. */
  static async acquire(pool: pg.Pool, onLost?: (err: Error, held: HeldClient) => void): Promise<HeldClient> {
    return new HeldClient(await pool.connect(), onLost);
  }

  /** The error that broke the connection while it was held, if it broke. */
  get lost(): Error | undefined {
    return this.lostWith;
  }

  /**
   * Gives the client back; with an error (or `true`), or when the connection was lost, the pool
   * destroys it instead of reusing it. Later calls do nothing.
   */
  release(destroy?: Error | boolean): void {
    if (this.released) return;
    this.released = true;
    // From here the pool's idle listener (re-attached by release) takes any late error.
    this.client.removeListener('error', this.onError);
    const reason = destroy === true ? new Error('connection discarded') : destroy || this.lostWith;
    this.client.release(reason);
  }
}
