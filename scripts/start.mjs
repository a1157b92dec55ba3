// `npm start`: Herald's embedded mode (embedded/main.ts), from its compiled JavaScript when that is
// current, else from the TypeScript sources through tsx (as before); then, once Herald is up,
// `tsc -b embedded` brings the compiled output up to date in the background for the next start.
//
// Why not tsx every time: its loader hooks cost about 1 s per start. Why not `tsc -b` before every
// start: 0.5 s when nothing changed, 2-3 s after an edit, about 45 s on a fresh clone. Deciding
// "current" here takes a few milliseconds: every input of embedded/ and of the projects it
// references (tsconfig.json `references`: their `include`, tsconfig.json and package.json, and the
// directories holding them, so a deleted file counts) is older than the start of the last clean
// build, and each source has its .js. The stamp is node_modules/.cache/herald/build-stamp, touched
// to the moment that build started, so a file edited while it ran is seen as newer.
//
//   node scripts/start.mjs           start (what `npm start` runs)
//   node scripts/start.mjs --build   the background build: `tsc -b embedded`, then the stamp
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = 'embedded';
const cacheDir = path.join(root, 'node_modules', '.cache', 'herald');
const stampFile = path.join(cacheDir, 'build-stamp');
const lockFile = path.join(cacheDir, 'build.lock');
const logFile = path.join(cacheDir, 'build.log');

if (process.argv[2] === '--build') {
  build();
} else if (isCurrent()) {
  await import(pathToFileURL(path.join(root, entry, 'dist', 'main.js')).href);
} else {
  console.error(`(compiled output out of date: running from the TypeScript sources; it is rebuilt in the background once Herald is up, log ${path.relative(root, logFile)})`);
  // As `tsx --conditions=development embedded/main.ts` did, in this process (no signals to relay):
  // tsx's hooks, and the `development` condition so @herald/* resolve to their sources.
  await import('tsx');
  register(
    'data:text/javascript,' +
      encodeURIComponent('export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, "development"] }); }'),
  );
  // Settles once Herald is running (main.ts awaits the start at its top level), so the build
  // does not slow this start down.
  await import(pathToFileURL(path.join(root, entry, 'main.ts')).href);
  try {
    buildInBackground();
  } catch (err) {
    console.error(`(cannot rebuild the compiled output in the background: ${err.message})`);
  }
}

/** True when `<entry>/dist` is the compiled form of today's sources (see the top of this file). */
function isCurrent() {
  try {
    const builtAt = statSync(stampFile).mtimeMs;
    const seen = new Set();
    const visit = (project) => {
      if (seen.has(project)) return true;
      seen.add(project);
      const { config, files } = projectFiles(project);
      for (const file of files) {
        if (statSync(file).mtimeMs >= builtAt) return false;
        if (!config.outDir || !/\.[mc]?ts$/.test(file) || file.endsWith('.d.ts')) continue;
        const out = path.join(project, config.outDir, path.relative(path.join(project, config.rootDir ?? '.'), file)).replace(/\.([mc]?)ts$/, '.$1js');
        if (!existsSync(out)) return false;
      }
      return config.references.every((ref) => visit(path.resolve(project, ref.path)));
    };
    return visit(path.join(root, entry));
  } catch {
    return false; // no stamp yet, or an unexpected layout: tsx, as before
  }
}

/** A project's tsconfig.json (with what it extends) and every file and directory its build reads. */
function projectFiles(project) {
  const configFile = path.join(project, 'tsconfig.json');
  const json = JSON.parse(readFileSync(configFile, 'utf8'));
  const files = [configFile, path.join(project, 'package.json')].filter((f) => existsSync(f));
  if (json.extends) files.push(path.resolve(project, json.extends));
  const options = json.compilerOptions ?? {};
  for (const pattern of json.include ?? ['**/*']) {
    const parts = pattern.split('/');
    const wild = parts.findIndex((p) => p.includes('*'));
    const base = path.join(project, ...(wild < 0 ? parts : parts.slice(0, wild)));
    if (!existsSync(base)) continue;
    const deep = wild < 0 || pattern.includes('**');
    const suffix = wild < 0 ? '' : parts[parts.length - 1].replace(/^.*\*/, '');
    walk(base, deep, (file) => file.endsWith(suffix), files);
  }
  return { config: { outDir: options.outDir, rootDir: options.rootDir, references: json.references ?? [] }, files };
}

function walk(dir, deep, keep, into) {
  into.push(dir);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (deep && e.name !== 'node_modules' && e.name !== 'dist' && !e.name.startsWith('.')) walk(p, deep, keep, into);
    } else if (keep(p)) into.push(p);
  }
}

/** Starts `--build` detached (at low priority, see build()); it outlives this process if need be. */
function buildInBackground() {
  try {
    createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return; // no TypeScript (npm ci --omit=dev): tsx it stays
  }
  mkdirSync(cacheDir, { recursive: true });
  if (buildRunning()) return;
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--build'], { cwd: root, detached: true, stdio: ['ignore', log, log] });
  child.unref();
}

function buildRunning() {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the build lock (a pid file); false if a live process holds it. */
function lock() {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if (err.code !== 'EEXIST' || buildRunning()) return false;
      rmSync(lockFile, { force: true }); // left by a build that died
    }
  }
  return false;
}

function build() {
  if (!lock()) return;
  try {
    try {
      os.setPriority(19); // the start going on meanwhile comes first
    } catch {
      // not allowed here: build at normal priority
    }
    const startedAt = Date.now();
    const tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-b', entry], { cwd: root, stdio: 'inherit' });
    // Type errors leave the stamp as it was: starts keep using tsx until the build is clean.
    if (result.status !== 0) {
      console.log(`tsc -b ${entry} exited with ${result.status ?? result.signal}; the compiled output is not used`);
      return;
    }
    writeFileSync(stampFile, `${new Date(startedAt).toISOString()} tsc -b ${entry}\n`);
    utimesSync(stampFile, startedAt / 1000, startedAt / 1000);
    console.log(`built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(lockFile, { force: true });
  }
}
