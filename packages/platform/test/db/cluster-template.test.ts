import { existsSync, lstatSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, startEmbeddedPostgres } from '../../src/db/index.js';
import { fixtureMigrationsDir } from './fixture/migration-dirs.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'herald-platform-template-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Every entry under `dir` that is not 0700 (directories) or 0600 (files). */
function notOwnerOnly(dir: string): string[] {
  const bad: string[] = [];
  const visit = (p: string) => {
    const st = lstatSync(p);
    if ((st.mode & 0o777) !== (st.isDirectory() ? 0o700 : 0o600)) bad.push(p);
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return bad;
}

describe('startEmbeddedPostgres with clusterCacheDir', () => {
  it('builds the empty cluster once, copies it into each new data directory, owner-only, and migrations run on the copy', async () => {
    const cacheDir = path.join(tmp, 'cache');
    const first = path.join(tmp, 'a', 'pg');
    let embedded = await startEmbeddedPostgres({ dataDir: first, clusterCacheDir: cacheDir });
    const templates = readdirSync(cacheDir);
    expect(templates).toEqual([expect.stringMatching(/^pglite-\d+\.\d+\.\d+-[0-9a-f]{8}$/)]);
    const template = path.join(cacheDir, templates[0]!);
    expect(readdirSync(template)).not.toContain('embedded-postgres.lock');
    expect(await applyMigrations({ pool: embedded.pool, schema: 'app', migrationsDir: fixtureMigrationsDir })).toHaveLength(2);
    await embedded.pool.query(`INSERT INTO app."Counter" (id, value) VALUES ('only-in-a', 1)`);
    await embedded.close();

    const builtAt = statSync(path.join(template, 'PG_VERSION')).mtimeMs;
    const second = path.join(tmp, 'b', 'pg');
    embedded = await startEmbeddedPostgres({ dataDir: second, clusterCacheDir: cacheDir });
    try {
      // The same template, untouched, and nothing of the first directory's data in the copy.
      expect(readdirSync(cacheDir)).toEqual(templates);
      expect(statSync(path.join(template, 'PG_VERSION')).mtimeMs).toBe(builtAt);
      expect((await embedded.pool.query(`SELECT to_regclass('app."Counter"') AS t`)).rows).toEqual([{ t: null }]);
      expect(await applyMigrations({ pool: embedded.pool, schema: 'app', migrationsDir: fixtureMigrationsDir })).toHaveLength(2);
      expect(readdirSync(second).length).toBeGreaterThan(10);
      expect(notOwnerOnly(path.join(tmp, 'b'))).toEqual([]);
      expect(notOwnerOnly(cacheDir)).toEqual([]);
    } finally {
      await embedded.close();
    }
  });

  it('runs initdb when the cache cannot be used', async () => {
    const cacheDir = path.join(tmp, 'not-a-directory');
    writeFileSync(cacheDir, '');
    const warnings: string[] = [];
    const dataDir = path.join(tmp, 'c', 'pg');
    const embedded = await startEmbeddedPostgres({ dataDir, clusterCacheDir: cacheDir, logger: { warn: (_obj, msg) => warnings.push(msg) } });
    try {
      expect((await embedded.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(warnings).toEqual([expect.stringMatching(/running initdb/)]);
      expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
      expect(notOwnerOnly(dataDir)).toEqual([]);
    } finally {
      await embedded.close();
    }
  });
});
