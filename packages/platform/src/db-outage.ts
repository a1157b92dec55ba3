import pg from 'pg';

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * A managed-database failover as clients see it, on one test database only: new connections are
 * refused and every existing one is terminated, again and again, until end(). The admin session
 * lives in another database, so it is not cut with the rest.
 */
export class DatabaseOutage {
  /** Backends terminated so far: a test can check the outage really hit something. */
  terminated = 0;
  private stopping = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly admin: pg.Client,
    private readonly database: string,
    everyMs: number,
  ) {
    this.loop = this.run(everyMs);
  }

  static async begin(database: string, opts: { everyMs?: number } = {}): Promise<DatabaseOutage> {
    const admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
    return new DatabaseOutage(admin, database, opts.everyMs ?? 100);
  }

  /** The database accepts connections again; safe to call twice. */
  async end(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopping = true;
    await this.loop;
    try {
      await this.admin.query(`ALTER DATABASE "${this.database}" ALLOW_CONNECTIONS true`);
    } finally {
      await this.admin.end();
    }
  }

  private async run(everyMs: number): Promise<void> {
    while (!this.stopping) {
      const { rowCount } = await this.admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [this.database],
      );
      this.terminated += rowCount ?? 0;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}

/** Every uncaught exception and unhandled rejection in this process until stop(). */
export function watchProcessFailures(): { failures: unknown[]; stop(): void } {
  const failures: unknown[] = [];
  const record = (err: unknown) => failures.push(err);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return {
    failures,
    stop() {
      process.off('uncaughtException', record);
      process.off('unhandledRejection', record);
    },
  };
}
