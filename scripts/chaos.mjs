// `npm run test:chaos`: the chaos suite (test/chaos/, docs/reliability.md "Chaos suite") under a hard
// time limit. Runs vitest with vitest.chaos.config.ts and ends with the plain line CI reads:
// "N passed, N failed". If the limit (CHAOS_HARD_LIMIT_S, default 720 s) is reached, vitest is
// stopped and whatever the run had started is cleaned up from its state file: the processes it
// recorded (by pid), its database, queues, exchanges and Redis keys. Extra arguments go to vitest.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const limitS = Number(process.env.CHAOS_HARD_LIMIT_S ?? 720);
const dir = mkdtempSync(path.join(tmpdir(), 'herald-chaos-'));
const out = path.join(dir, 'results.json');
const stateFile = path.join(dir, 'state.json');
const vitest = path.resolve('node_modules', '.bin', 'vitest');
const started = Date.now();

const child = spawn(vitest, ['run', '--config', 'vitest.chaos.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHAOS_STATE_FILE: stateFile,
    // The suite stops starting scenarios in time to tear down before the hard limit.
    CHAOS_BUDGET_MS: process.env.CHAOS_BUDGET_MS ?? String((limitS - 90) * 1000),
  },
  detached: true,
});

// Ctrl-C / a CI cancel: pass it on to the suite's process group, which tears down by itself.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    try {
      process.kill(-child.pid, sig);
    } catch {}
  });
}

let timedOut = false;
const timer = setTimeout(() => {
  timedOut = true;
  console.error(`\nchaos: hard limit of ${limitS} s reached; stopping vitest and cleaning up`);
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }, 10_000).unref();
}, limitS * 1000);

const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
clearTimeout(timer);

if (existsSync(stateFile)) {
  // Anything the run recorded and did not remove itself (only after a hard stop or a crash).
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  const alive = (state.pids ?? []).filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  if (alive.length > 0 || timedOut) {
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    const cleanup = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', 'test/chaos/cleanup.ts', stateFile], { stdio: 'inherit' });
    if (cleanup.status !== 0) console.error('chaos: cleanup reported a problem');
  }
}

let passed = 0;
let failed = 0;
if (existsSync(out)) {
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
} else {
  failed = 1;
}
if ((code !== 0 || timedOut) && failed === 0) failed = 1;
rmSync(dir, { recursive: true, force: true });
console.log(`chaos: ${((Date.now() - started) / 1000).toFixed(0)} s${timedOut ? ' (hard limit reached)' : ''}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && code === 0 && !timedOut ? 0 : 1);
