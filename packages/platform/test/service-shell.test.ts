import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig, required } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { runService, type ShellProcess } from '../src/service-shell.js';
import type { Closer } from '../src/shutdown.js';

const spec = { port: env.port('PORT', 3009), databaseUrl: required('DATABASE_URL', env.optionalUrl('DATABASE_URL', ['postgres'])) };

/** A process that records instead of exiting, and a logger writing JSON lines to memory. */
function harness() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('shell-test', 'info', new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  const events: string[] = [];
  let closers: Closer[] = [];
  const proc: ShellProcess = {
    exit: (code) => void events.push(`exit ${code}`),
    closeOnSignals: (_logger, list) => void (closers = list),
    reportConfigError: (message) => void events.push(message),
  };
  const closeAll = async () => {
    for (const close of [...closers].reverse()) await close();
  };
  return { lines, logger, events, proc, closeAll };
}

describe('runService', () => {
  it('starts with the configuration read, logs where it listens, and closes in reverse order of start', async () => {
    const { lines, logger, events, proc, closeAll } = harness();
    await runService(
      {
        name: 'demo-service',
        config: () => loadConfig(spec, { DATABASE_URL: 'postgres://db/x' }),
        logger: () => logger,
        async start(config, _logger, close) {
          close(() => events.push('close database'));
          close(() => events.push('close http'));
          return { host: '127.0.0.1', port: config.port };
        },
      },
      proc,
    );
    expect(lines.find((l) => l.msg === 'demo-service listening')).toMatchObject({ host: '127.0.0.1', port: 3009 });
    expect(events).toEqual([]);
    await closeAll();
    expect(events).toEqual(['close http', 'close database']);
  });

  it('exits non-zero naming every bad variable, before starting anything', async () => {
    const { events, proc, logger } = harness();
    let started = false;
    await runService(
      {
        name: 'demo-service',
        config: () => loadConfig(spec, { PORT: 'eighty' }),
        logger: () => logger,
        async start() {
          started = true;
          return { host: '', port: 0 };
        },
      },
      proc,
    );
    expect(started).toBe(false);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(/^demo-service: invalid configuration/);
    expect(events[0]).toContain('PORT="eighty"');
    expect(events[0]).toContain('DATABASE_URL is required');
    expect(events[1]).toBe('exit 1');
  });

  it('exits non-zero when start fails, logging why, with what it opened still closable', async () => {
    const { lines, logger, events, proc, closeAll } = harness();
    await runService(
      {
        name: 'demo-service',
        config: () => loadConfig(spec, { DATABASE_URL: 'postgres://db/x' }),
        logger: () => logger,
        async start(_config, _logger, close) {
          close(() => events.push('close database'));
          throw new Error('the broker is down');
        },
      },
      proc,
    );
    expect(events).toEqual(['exit 1']);
    expect(lines.find((l) => l.level === 60)).toMatchObject({ msg: 'demo-service failed to start', err: { message: 'the broker is down' } });
    await closeAll();
    expect(events).toEqual(['exit 1', 'close database']);
  });

  it('says a configuration problem found while starting plainly', async () => {
    const { lines, logger, events, proc } = harness();
    await runService(
      {
        name: 'demo-service',
        config: () => loadConfig(spec, { DATABASE_URL: 'postgres://db/x' }),
        logger: () => logger,
        async start() {
          throw new ConfigError(['JWT_PUBLIC_KEY: cannot read the key']);
        },
      },
      proc,
    );
    expect(events).toEqual(['exit 1']);
    expect(lines.find((l) => l.level === 60)?.msg).toBe('demo-service: invalid configuration:\n  JWT_PUBLIC_KEY: cannot read the key');
  });
});
