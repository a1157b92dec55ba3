import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { HeldClient } from './held-client.js';
import { MigrationChecksumError, MigrationFailedError, MigrationIncompleteError } from './migration-errors.js';
import { checksumMatches, readMigrationFiles, type MigrationFile } from './migration-files.js';

export interface MigrationLogger {
  info(obj: object, msg: string): void;
}

export interface MigrateOptions {
  pool: pg.Pool;
  /** Postgres schema that receives the tables and its own `_prisma_migrations`. */
  schema: string;
  /** A Prisma `migrations` folder: `<timestamp>_<name>/migration.sql`. */
  migrationsDir: string;
  logger?: MigrationLogger;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied, but the file changed since: `applyMigrations` refuses to start. */
  modified: string[];
  /** Started and never finished (left by the Prisma CLI): `applyMigrations` refuses to start. */
  failed: string[];
}

type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Applies pending migrations and returns the names this call applied. Safe to call from many
 * instances at once: a per-schema advisory lock lets one work while the others wait, and then
 * find nothing left to do.
 */
export async function applyMigrations(opts: MigrateOptions): Promise<string[]> {
  const { pool, schema, logger } = opts;
  quoteIdent(schema);
  const files = await readMigrationFiles(opts.migrationsDir);
  // Held with an error listener: waiting on the lock can take long, and a connection dropped
  // meanwhile must fail this call, not the process.
  const held = await HeldClient.acquire(pool);
  const client = held.client;
  let unusable: Error | undefined;
  try {
    await lockSchema(client, schema, logger);
    try {
      await ensureMigrationsTable(client, schema);
      const status = compare(files, await readRows(client, schema));
      if (status.modified.length > 0) throw new MigrationChecksumError(status.modified, schema);
      if (status.failed.length > 0) throw new MigrationIncompleteError(status.failed, schema);
      const applied: string[] = [];
      for (const file of files.filter((f) => status.pending.includes(f.name))) {
        await applyOne(client, schema, file);
        logger?.info({ schema, migration: file.name }, 'migration applied');
        applied.push(file.name);
      }
      return applied;
    } finally {
      // A failure here means a broken connection: destroying it (below) frees the lock as well,
      // and the error that got us here stays the one reported.
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(schema)]).catch((err: Error) => {
        unusable = err;
      });
    }
  } catch (err) {
    // Our own errors and SQL errors leave a healthy session; anything else (socket gone, timeout)
    // must not go back to the pool, where it might still hold the lock.
    if (!(err instanceof pg.DatabaseError || isMigrationError(err))) unusable = err as Error;
    throw err;
  } finally {
    held.release(unusable);
  }
}

/** Read-only: creates nothing and takes no lock. */
export async function migrationStatus(opts: Omit<MigrateOptions, 'logger'>): Promise<MigrationStatus> {
  const files = await readMigrationFiles(opts.migrationsDir);
  const rows = (await tableExists(opts.pool, opts.schema)) ? await readRows(opts.pool, opts.schema) : [];
  return compare(files, rows);
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

function compare(files: MigrationFile[], rows: MigrationRow[]): MigrationStatus {
  // A row marked rolled back is history only: Prisma applies that migration again.
  const live = rows.filter((r) => r.rolled_back_at === null);
  const finished = new Map(live.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
  const failed = live.filter((r) => r.finished_at === null).map((r) => r.migration_name);
  const isDone = (f: MigrationFile) => finished.has(f.name);
  return {
    applied: files.filter(isDone).map((f) => f.name),
    pending: files.filter((f) => !isDone(f) && !failed.includes(f.name)).map((f) => f.name),
    modified: files.filter((f) => isDone(f) && !checksumMatches(f.sql, finished.get(f.name)!)).map((f) => f.name),
    failed,
  };
}

async function applyOne(client: pg.PoolClient, schema: string, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await useSchemaInTransaction(client, schema);
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
      [id, file.checksum, file.name],
    );
    // One simple-protocol query: the server parses the script, so `;` inside `$$` bodies is safe.
    if (file.sql.trim() !== '') await client.query(file.sql);
    await client.query(
      'UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err instanceof pg.DatabaseError ? new MigrationFailedError(file.name, schema, err) : err;
  }
}

// The exact DDL of Prisma's schema engine (sql-schema-connector, flavour/postgres.rs), so that
// `prisma migrate deploy/status` reads this table as its own.
const PRISMA_MIGRATIONS_DDL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

async function ensureMigrationsTable(client: pg.PoolClient, schema: string): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  if (await tableExists(client, schema)) return;
  await client.query('BEGIN');
  try {
    await useSchemaInTransaction(client, schema);
    await client.query(PRISMA_MIGRATIONS_DDL);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Transaction-local, so the pooled connection does not keep this search_path afterwards. */
async function useSchemaInTransaction(client: pg.PoolClient, schema: string): Promise<void> {
  await client.query("SELECT set_config('search_path', $1, true)", [quoteIdent(schema)]);
}

async function tableExists(db: Queryable, schema: string): Promise<boolean> {
  const result = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
    `${quoteIdent(schema)}._prisma_migrations`,
  ]);
  return result.rows[0]?.found === true;
}

async function readRows(db: Queryable, schema: string): Promise<MigrationRow[]> {
  const result = await db.query<MigrationRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at
       FROM ${quoteIdent(schema)}._prisma_migrations ORDER BY started_at`,
  );
  return result.rows;
}

async function lockSchema(client: pg.PoolClient, schema: string, logger?: MigrationLogger): Promise<void> {
  const key = lockKey(schema);
  const tried = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
  if (tried.rows[0]?.locked) return;
  logger?.info({ schema }, 'waiting for another instance to finish migrating');
  await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
}

/** A stable 64-bit advisory-lock key per schema, so different schemas migrate in parallel. */
function lockKey(schema: string): string {
  return createHash('sha256').update(`platform.migrate:${schema}`).digest().readBigInt64BE(0).toString();
}

/** Also validates, so a bad name fails before any connection is taken. */
function quoteIdent(name: string): string {
  if (name === '' || name.length > 63) throw new Error(`invalid schema name: "${name}"`);
  return `"${name.replaceAll('"', '""')}"`;
}

function isMigrationError(err: unknown): boolean {
  return (
    err instanceof MigrationChecksumError || err instanceof MigrationFailedError || err instanceof MigrationIncompleteError
  );
}
