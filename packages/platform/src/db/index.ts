export { checkPostgres, createPgPool, type PgPoolOptions } from './pool.js';
export { HeldClient } from './held-client.js';
export { classifyUnavailable, isDatabaseUnavailable, type Unavailability } from './unavailable.js';
export {
  applyMigrations,
  migrationStatus,
  type MigrateOptions,
  type MigrationLogger,
  type MigrationStatus,
} from './migrate.js';
export { MigrationChecksumError, MigrationFailedError, MigrationIncompleteError } from './migration-errors.js';
export { migrationChecksum } from './migration-files.js';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded.js';
export { DataDirLockedError } from './data-dir-lock.js';
