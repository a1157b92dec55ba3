import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** One `<timestamp>_<name>/migration.sql` folder, the layout `prisma migrate` writes. */
export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** Reads migrations sorted by folder name, which is the order Prisma applies them in. */
export async function readMigrationFiles(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const sql = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new Error(`migration ${name} has no migration.sql (${file})`);
        throw err;
      });
      return { name, sql, checksum: migrationChecksum(sql) };
    }),
  );
}

/** What Prisma stores in `_prisma_migrations.checksum`: lowercase SHA-256 hex of the script. */
export function migrationChecksum(sql: string): string {
  return sha256(sql).toString('hex');
}

/**
 * Mirrors Prisma's own comparison (schema-connector `checksum.rs`), so a file that git checked out
 * with other line endings, or a row written by an old engine that did not zero-pad the hex bytes,
 * is not mistaken for an edited migration.
 */
export function checksumMatches(sql: string, recorded: string): boolean {
  const variants = [sql, sql.replaceAll('\r\n', '\n'), sql.replaceAll('\n', '\r\n')];
  return variants.some((variant) => {
    const digest = sha256(variant);
    const rendered =
      recorded.length === 64 ? digest.toString('hex') : [...digest].map((b) => b.toString(16)).join('');
    return rendered === recorded;
  });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
