/** A migration was edited after it was applied: the database no longer matches the files. */
export class MigrationChecksumError extends Error {
  constructor(readonly migrations: string[], readonly schema: string) {
    super(
      `migration ${migrations.join(', ')} in schema "${schema}" was changed after it was applied; ` +
        'restore its original migration.sql and put the change in a new migration',
    );
    this.name = 'MigrationChecksumError';
  }
}

/** Applying a migration failed; its transaction was rolled back, so a fixed file can simply be retried. */
export class MigrationFailedError extends Error {
  constructor(readonly migration: string, readonly schema: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`migration ${migration} failed in schema "${schema}" and was rolled back: ${reason}`, { cause });
    this.name = 'MigrationFailedError';
  }
}

/** `_prisma_migrations` holds a started-but-unfinished row, which only the Prisma CLI leaves behind. */
export class MigrationIncompleteError extends Error {
  constructor(readonly migrations: string[], readonly schema: string) {
    super(
      `migration ${migrations.join(', ')} in schema "${schema}" is recorded as failed; repair the database, ` +
        'then mark it with `prisma migrate resolve --applied|--rolled-back`',
    );
    this.name = 'MigrationIncompleteError';
  }
}
