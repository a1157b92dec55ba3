// Runs every workspace's tests in one vitest run and ends with the plain line CI reads:
// "N passed, N failed". Extra arguments go to vitest (e.g. a path filter).
//
// Before the run: PostgreSQL, Redis and RabbitMQ must accept connections where the tests look for
// them (TEST_DATABASE_URL, TEST_REDIS_URL / REDIS_URL, TEST_AMQP_URL / AMQP_URL, else 127.0.0.1 on
// the standard ports); if one does not, this stops at once naming it and `bash scripts/services.sh`.
// TEST_SKIP_SERVICE_CHECK=1 skips that check (a path filter that needs no server).
// After the run: anything of the tests' left in the temporary directory (herald-*, see
// scripts/test-guards.mjs) is listed; with CI=true it also counts as a failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { heraldTempEntries, leftBehind, unreachableReport, unreachableServices } from './test-guards.mjs';
import { formatSummary, summarize } from './test-summary.mjs';

if (process.env.TEST_SKIP_SERVICE_CHECK !== '1') {
  const problems = await unreachableServices(process.env);
  if (problems.length > 0) {
    console.error(unreachableReport(problems));
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const tempBefore = heraldTempEntries();
const resultsDir = mkdtempSync(path.join(tmpdir(), 'herald-test-'));
const out = path.join(resultsDir, 'results.json');
const vitest = path.resolve('node_modules', '.bin', 'vitest');
const run = spawnSync(vitest, ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
});

let passed = 0;
let failed = 0;
if (existsSync(out)) {
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed = report.numPassedTests ?? 0;
  console.log(formatSummary(summarize(report, process.cwd())));
  failed = (report.numFailedTests ?? 0) + (report.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
} else {
  failed = 1;
}
rmSync(resultsDir, { recursive: true, force: true });
if (run.status !== 0 && failed === 0) failed = 1;

const left = leftBehind(tempBefore, heraldTempEntries(), [path.basename(resultsDir)]);
let leftFails = false;
if (left.length > 0) {
  const dir = tmpdir();
  const bar = '!'.repeat(100);
  console.error(
    [
      '',
      bar,
      `!! The tests left ${left.length} temporar${left.length === 1 ? 'y entry' : 'y entries'} behind in ${dir} (each test must remove what it creates, in afterAll/afterEach or finally):`,
      ...left.map((name) => `!!   ${path.join(dir, name)}`),
      `!! (entries that appeared during the run; another test run at the same time on this machine also shows here)`,
      // Chromium's own leftovers (a browser killed by its test's timeout) are reported, not counted.
      !left.some((name) => name.startsWith('herald-'))
        ? '!! (only the browser\'s own entries: reported, not counted)'
        : process.env.CI === 'true' ? '!! CI=true: counted as 1 failed.' : '!! Set CI=true to make this a failure.',
      bar,
      '',
    ].join('\n'),
  );
  leftFails = process.env.CI === 'true' && left.some((name) => name.startsWith('herald-'));
}
if (leftFails) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && run.status === 0 ? 0 : 1);
