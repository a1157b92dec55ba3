import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { restrictToOwner } from './data-dir-lock.js';

/** What every cluster is created with, here and in startEmbeddedPostgres; part of the template's key. */
export const CLUSTER_OPTIONS: PGliteOptions = {};

/** Postgres reads a directory with PG_VERSION as a cluster; it is copied last, so a cut copy is not one. */
const MARKER = 'PG_VERSION';
/** Never part of a template, nor copied from one: startEmbeddedPostgres's pid file. */
const LOCK_FILE = 'embedded-postgres.lock';

/** True when `dataDir` holds a cluster already (PGlite then opens it instead of running initdb). */
export function hasCluster(dataDir: string): boolean {
  return existsSync(path.join(dataDir, MARKER));
}

/**
 * Makes `dataDir` (locked by the caller, without a cluster) a new, empty cluster by copying one
 * that initdb made once and that `cacheDir` keeps: about 0.15 s instead of PGlite's 3 to 5 s of
 * initdb. The template holds what initdb writes and nothing else (no schema, no migration, no
 * row), so later migrations never make it stale: they run on the copy as on any new cluster. It is
 * keyed by PGlite's version and CLUSTER_OPTIONS; another PGlite makes (and keeps) another one.
 * The first call builds it (initdb in a temporary directory, renamed into place, so concurrent
 * callers each get a whole one). Owner-only throughout: 0700 directories, 0600 files.
 */
export async function seedFromTemplate(dataDir: string, cacheDir: string): Promise<void> {
  const template = await ensureTemplate(cacheDir);
  try {
    cpSync(template, dataDir, {
      recursive: true,
      force: true,
      filter: (src) => path.dirname(src) !== template || ![MARKER, LOCK_FILE].includes(path.basename(src)),
    });
    copyFileSync(path.join(template, MARKER), path.join(dataDir, MARKER));
  } catch (err) {
    // Leave no half cluster behind: initdb (the caller's fallback) wants an empty directory.
    for (const name of readdirSync(dataDir)) if (name !== LOCK_FILE) rmSync(path.join(dataDir, name), { recursive: true, force: true });
    throw err;
  }
  restrictToOwner(dataDir);
}

async function ensureTemplate(cacheDir: string): Promise<string> {
  const template = path.join(cacheDir, templateName());
  if (hasCluster(template)) return template;
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const building = await mkdtemp(path.join(cacheDir, '.building-'));
  try {
    const db = await PGlite.create(building, CLUSTER_OPTIONS);
    await db.close();
    // initdb writes 0666 whatever the umask.
    restrictToOwner(building);
    // A directory left without its marker (cut short by hand) is not a template.
    if (existsSync(template) && !hasCluster(template)) await rm(template, { recursive: true, force: true });
    await rename(building, template).catch((err: NodeJS.ErrnoException) => {
      // Another process built the same one meanwhile: use theirs.
      if (!hasCluster(template)) throw err;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  // Templates of other PGlite versions are of no more use here.
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith('pglite-') && name !== path.basename(template)) await rm(path.join(cacheDir, name), { recursive: true, force: true }).catch(() => undefined);
  }
  return template;
}

let name: string | undefined;
function templateName(): string {
  if (name) return name;
  // The package's own version, from the file the import above resolved to (dist/index.cjs).
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('@electric-sql/pglite'));
  let version: string | undefined;
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite') {
      version = pkg.version;
      break;
    }
  }
  // Without its version a template could outlive an upgrade: initdb instead (the caller's fallback).
  if (!version) throw new Error(`cannot tell the version of @electric-sql/pglite (from ${require.resolve('@electric-sql/pglite')})`);
  const options = createHash('sha256').update(JSON.stringify(CLUSTER_OPTIONS)).digest('hex').slice(0, 8);
  return (name = `pglite-${version}-${options}`);
}
