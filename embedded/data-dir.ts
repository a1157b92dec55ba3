import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@herald/platform';

/**
 * HERALD_DATA_DIR holds the database (password hashes, emails, direct messages, in its write-ahead
 * log too), the token signing key and the send API key: owner-only, 0700 directories and 0600
 * files. The umask covers what this process creates from now on (our key files, the directories
 * PGlite makes, the files Postgres creates while running); startEmbeddedPostgres fixes the files
 * PGlite's initdb writes 0666 whatever the umask; and the walk here fixes a directory an older
 * Herald left at 0755/0644/0666.
 */
export function secureDataDir(dataDir: string, logger: Logger): void {
  restrictUmask(logger);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const refused = restrictToOwner(dataDir);
  if (refused.length > 0) {
    logger.warn({ count: refused.length, first: refused[0] }, 'cannot make these data directory entries owner-only (owned by another user?); fix their permissions by hand');
  }
}

/** Process-wide, and kept: in embedded mode this process writes little else, all of it private. */
function restrictUmask(logger: Logger): void {
  try {
    const previous = process.umask(0o077);
    process.umask(previous | 0o077);
  } catch (err) {
    // Worker threads may not change the umask; the walks still fix the modes at start.
    logger.warn({ err: (err as Error).message }, 'cannot set umask 077; files created while running may be readable by others');
  }
}

/**
 * 0700 on `dir` and every directory under it, 0600 on every file; symbolic links are neither
 * followed nor changed. Returns the paths it was not allowed to change.
 */
export function restrictToOwner(dir: string): string[] {
  const refused: string[] = [];
  const visit = (p: string) => {
    let stat;
    try {
      stat = lstatSync(p);
    } catch {
      return; // gone meanwhile
    }
    if (stat.isSymbolicLink()) return;
    const want = stat.isDirectory() ? 0o700 : 0o600;
    if ((stat.mode & 0o777) !== want) {
      try {
        chmodSync(p, want);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') refused.push(p);
      }
    }
    if (!stat.isDirectory()) return;
    let names: string[] = [];
    try {
      names = readdirSync(p);
    } catch {
      refused.push(p);
    }
    for (const name of names) visit(path.join(p, name));
  };
  visit(dir);
  return refused;
}
