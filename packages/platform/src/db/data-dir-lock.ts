import { open, readFile, rm } from 'node:fs/promises';
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
 * (crash, kill -9) is taken over, so a crash never needs manual cleanup.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, 'embedded-postgres.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
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
