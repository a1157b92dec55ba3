import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { chmod, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(readonly lockFile: string, readonly pid: number) {
    super(
      `${path.dirname(lockFile)} is already open by process ${pid || '(unknown)'}; stop it, use another ` +
        `data directory, or delete ${lockFile} if no such process runs`,
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * Claims a data directory for this process with a pid file. A file left by a process that is gone
 * (crash, kill -9) is taken over, so a crash never needs manual cleanup. The directory becomes
 * owner-only (0700): it holds everything the database stores.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, 'embedded-postgres.lock');
  // EPERM: someone else's directory, not ours to change (the embedded runtime warns about it).
  await chmod(dataDir, 0o700).catch(() => undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const text = await readFile(file, 'utf8').catch(() => '');
      const pid = Number(text);
      // An empty file is a process between creating and writing it, not a dead one.
      if (text === '' || isAlive(pid) || attempt > 0) throw new DataDirLockedError(file, pid);
      await rm(file, { force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * 0700 on `dir` and every directory under it, 0600 on every file; symbolic links are neither
 * followed nor changed. PGlite writes the files of a new cluster 0666 whatever the umask, and a
 * directory from an older Herald has 0755/0644 entries. Entries it may not change are skipped
 * (the directory itself is 0700 already, see lockDataDir).
 */
export function restrictToOwner(dir: string): void {
  const visit = (p: string) => {
    try {
      const stat = lstatSync(p);
      if (stat.isSymbolicLink()) return;
      const want = stat.isDirectory() ? 0o700 : 0o600;
      if ((stat.mode & 0o777) !== want) chmodSync(p, want);
      if (stat.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
    } catch {
      // Gone meanwhile, or not ours to change.
    }
  };
  visit(dir);
}
