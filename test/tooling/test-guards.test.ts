/**
 * scripts/test.mjs's guards around the vitest run (scripts/test-guards.mjs): a server the tests
 * need that does not answer stops `npm test` at once, naming it, its address and
 * `bash scripts/services.sh`; temporary directories the tests leave behind are found by name.
 * Closed ports stand in for stopped servers: the real ones stay up.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types
import { heraldTempEntries, leftBehind, probe, serviceTargets, unreachableReport, unreachableServices } from '../../scripts/test-guards.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the service probe', () => {
  let listening: Server;
  let openPort: number;
  beforeAll(async () => {
    listening = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    openPort = (listening.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => listening.close(resolve)));

  it('answers undefined for a port that accepts connections and the reason for one that does not', async () => {
    expect(await probe('127.0.0.1', openPort)).toBeUndefined();
    expect(await probe('127.0.0.1', await closedPort())).toBe('ECONNREFUSED');
  });

  it('probes the addresses the tests use: their variables, else 127.0.0.1 on the standard ports', () => {
    expect(serviceTargets({})).toEqual([
      { name: 'PostgreSQL', host: '127.0.0.1', port: 5432, source: 'default' },
      { name: 'Redis', host: '127.0.0.1', port: 6379, source: 'default' },
      { name: 'RabbitMQ', host: '127.0.0.1', port: 5672, source: 'default' },
    ]);
    // Tests reading REDIS_URL still use the default when only TEST_REDIS_URL is set: both are probed.
    expect(serviceTargets({ TEST_DATABASE_URL: 'postgresql://postgres@db.internal:6543/test', TEST_REDIS_URL: 'redis://[::1]:6380', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' })).toEqual([
      { name: 'PostgreSQL', host: 'db.internal', port: 6543, source: 'TEST_DATABASE_URL' },
      { name: 'Redis', host: '::1', port: 6380, source: 'TEST_REDIS_URL' },
      { name: 'Redis', host: '127.0.0.1', port: 6379, source: 'default' },
      { name: 'RabbitMQ', host: '127.0.0.1', port: 5672, source: 'AMQP_URL' },
    ]);
  });

  it('names each server that does not answer, with its address and where that came from, and the command that provides it', async () => {
    const port = await closedPort();
    const problems = await unreachableServices({
      TEST_DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/test`,
      TEST_REDIS_URL: `redis://127.0.0.1:${openPort}`,
      REDIS_URL: `redis://127.0.0.1:${openPort}`,
      TEST_AMQP_URL: `amqp://guest:guest@127.0.0.1:${openPort}`,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${openPort}`,
    });
    expect(problems).toEqual([`PostgreSQL at 127.0.0.1:${port} (from TEST_DATABASE_URL): connection refused`]);
    const report = unreachableReport(problems);
    expect(report).toContain(`PostgreSQL at 127.0.0.1:${port}`);
    expect(report).toContain('bash scripts/services.sh');
  });

  it('stops `npm test` within seconds, before vitest starts, when a server does not answer', async () => {
    const port = await closedPort();
    const started = Date.now();
    const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'test.mjs')], {
      cwd: root,
      env: { ...process.env, TEST_AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}`, AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}`, TEST_SKIP_SERVICE_CHECK: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`RabbitMQ at 127.0.0.1:${port} (from TEST_AMQP_URL, AMQP_URL): connection refused`);
    expect(run.stderr).toContain('bash scripts/services.sh');
    expect(run.stdout.trim()).toBe('0 passed, 1 failed');
    expect(run.stdout + run.stderr).not.toMatch(/ RUN |Test Files/); // vitest's banner and summary
  });
});

describe('the temporary-directory guard', () => {
  it('lists the entries Herald tests make and reports only the new ones', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'herald-guard-'));
    try {
      for (const name of ['herald-old-1', 'systemd-private-x', 'tsx-0']) mkdirSync(path.join(dir, name));
      const before = heraldTempEntries(dir);
      expect(before).toEqual(['herald-old-1']);
      for (const name of ['herald-embedded-abc', 'herald-test-xyz', 'playwright-artifacts-q1', 'unrelated-1']) mkdirSync(path.join(dir, name));
      expect(leftBehind(before, heraldTempEntries(dir), ['herald-test-xyz'])).toEqual(['herald-embedded-abc', 'playwright-artifacts-q1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds nothing in a directory that does not exist', () => {
    expect(heraldTempEntries(path.join(tmpdir(), 'herald-guard-does-not-exist'))).toEqual([]);
  });
});
