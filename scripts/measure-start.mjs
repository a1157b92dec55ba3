// How long `npm start` takes until the gateway answers /readyz with 200, with a fresh data
// directory and with the one the fresh start left behind. Runs the command through a shell in its
// own process group, stops that group with SIGTERM and waits until every process in it is gone.
// Prints each run's seconds, with Herald's own startupMs (start-up without loading the code) in
// brackets, and a `*` on runs that started from the TypeScript sources (compiled output stale).
//
//   node scripts/measure-start.mjs [--runs 3] [--port 3900] [--cmd "npm start"] [--dir CHECKOUT]
//
// --cmd defaults to the `start` script of package.json; --dir runs in another checkout (a clone at
// an older commit, for a before/after on the same machine). Each run uses its own temporary
// HERALD_DATA_DIR: first start (fresh) then a second start on the same directory (existing).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, port: { type: 'string', default: '3900' }, cmd: { type: 'string' }, dir: { type: 'string' } },
});
const root = path.resolve(values.dir ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const cmd = values.cmd ?? JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start;
const port = Number(values.port);
const url = `http://127.0.0.1:${port}/readyz`;

async function startOnce(dataDir) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'AMQP_URL', 'REDIS_URL', 'HOST'].includes(k)));
  const t0 = performance.now();
  // npm puts node_modules/.bin on PATH for scripts; do the same.
  const env = { ...clean, PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, HERALD_DATA_DIR: dataDir, PORT: String(port) };
  const child = spawn(cmd, { cwd: root, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let done = false;
  exited.then(() => (done = true));
  let seconds;
  while (!done) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
    if (ok) {
      seconds = (performance.now() - t0) / 1000;
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  // The process group (shell, its node): SIGTERM, then wait for the exit.
  if (!done) process.kill(-child.pid, 'SIGTERM');
  const killer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 15_000);
  await exited;
  // The shell (or npm) may exit before the node it started: wait for the whole group to be gone,
  // so the next start neither meets the old server on the port nor its lock on the data dir.
  while (groupAlive(child.pid)) await new Promise((r) => setTimeout(r, 25));
  clearTimeout(killer);
  if (seconds === undefined) throw new Error(`exited before answering:\n${output}`);
  const startupMs = /"startupMs":(\d+)/.exec(output)?.[1];
  return { seconds, startupMs: startupMs ? Number(startupMs) : undefined, fromSources: output.includes('compiled output out of date') };
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

if (await fetch(url, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false)) {
  console.error(`something already answers at ${url}; pick another --port`);
  process.exit(1);
}
console.log(`command: ${cmd}  (in ${root})`);
const results = { fresh: [], existing: [] };
for (let i = 0; i < Number(values.runs); i++) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'herald-measure-'));
  try {
    results.fresh.push(await startOnce(dataDir));
    results.existing.push(await startOnce(dataDir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
for (const [name, runs] of Object.entries(results)) {
  const s = runs.map((r) => r.seconds.toFixed(2) + (r.fromSources ? '*' : '') + (r.startupMs !== undefined ? ` (${(r.startupMs / 1000).toFixed(2)})` : '')).join(' / ');
  const median = runs.map((r) => r.seconds).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  console.log(`${name.padEnd(8)} ${s} s (median ${median.toFixed(2)} s)`);
}
console.log('(in brackets: startupMs, from the log line "Herald is running": startHerald alone, without loading the code)');
if (Object.values(results).flat().some((r) => r.fromSources)) console.log('* started from the TypeScript sources (scripts/start.mjs found the compiled output out of date)');
