import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chooseLogFormat, createLogger } from '../../src/logger.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ANSI = /\u001b\[[0-9;]*m/;

/** A destination that keeps what was written. */
function sink() {
  const lines: string[] = [];
  return { lines, stream: { write: (chunk: string) => void lines.push(chunk) }, text: () => lines.join('') };
}

describe('chooseLogFormat', () => {
  it('is pretty on a terminal and JSON when stdout is not one', () => {
    expect(chooseLogFormat({}, true)).toBe('pretty');
    expect(chooseLogFormat({}, false)).toBe('json');
  });

  it('follows LOG_FORMAT over the terminal either way', () => {
    expect(chooseLogFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chooseLogFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(chooseLogFormat({ LOG_FORMAT: ' Pretty ' }, false)).toBe('pretty');
  });

  it('ignores an unknown or empty LOG_FORMAT', () => {
    expect(chooseLogFormat({ LOG_FORMAT: 'yaml' }, true)).toBe('pretty');
    expect(chooseLogFormat({ LOG_FORMAT: '' }, false)).toBe('json');
  });
});

describe('createLogger', () => {
  it('writes JSON lines that parse, with the service, level, time and fields', () => {
    const out = sink();
    const logger = createLogger('user-service', 'info', out.stream);
    logger.info({ userId: 'u1' }, 'signed up');
    logger.child({ reqId: 'r1' }).warn('slow');
    const lines = out.text().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, service: 'user-service', name: 'user-service', userId: 'u1', msg: 'signed up' });
    expect(new Date(lines[0].time).toISOString()).toBe(lines[0].time);
    expect(lines[1]).toMatchObject({ level: 40, service: 'user-service', reqId: 'r1', msg: 'slow' });
  });

  it('writes readable lines when pretty: time, level, service, message and the other fields', () => {
    const out = sink();
    const logger = createLogger('post-service', 'info', out.stream, { format: 'pretty' });
    logger.info({ postId: 'p1', recipients: 3 }, 'post published');
    const line = out.text();
    expect(line).not.toMatch(ANSI);
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(post-service\): post published \{"postId":"p1","recipients":3\}\n$/);
    expect(() => JSON.parse(line)).toThrow();
  });

  it('shows the name a child logger gives (embedded mode: one service inside herald)', () => {
    const out = sink();
    createLogger('herald', 'info', out.stream, { format: 'pretty' }).child({ name: 'notification-service' }).info('inbox ready');
    expect(out.text()).toContain('INFO (notification-service): inbox ready');
  });

  it('prints errors with their message and stack, and respects the level', () => {
    const out = sink();
    const logger = createLogger('gateway', 'warn', out.stream, { format: 'pretty' });
    logger.info('not shown');
    logger.error({ err: new Error('upstream refused') }, 'proxy failed');
    const text = out.text();
    expect(text).not.toContain('not shown');
    expect(text).toContain('ERROR (gateway): proxy failed');
    expect(text).toContain('upstream refused');
    expect(text).toMatch(/at .*logger\.test\.ts/);
  });

  it('colours pretty output only when asked', () => {
    const out = sink();
    createLogger('gateway', 'info', out.stream, { format: 'pretty', colorize: true }).info('coloured');
    expect(out.text()).toMatch(ANSI);
    expect(out.text().replace(new RegExp(ANSI, 'g'), '')).toContain('INFO (gateway): coloured');
  });
});

describe('a service process logging to stdout', () => {
  /** log-lines.ts in a process of its own, as a service is started, with stdout a pipe (not a terminal). */
  function run(env: Record<string, string>) {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['LOG_FORMAT', 'LOG_LEVEL', 'FORCE_COLOR', 'NO_COLOR'].includes(k)));
    const child = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', path.join(here, 'log-lines.ts')], {
      env: { ...clean, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: child.status, stdout: child.stdout };
  }

  it('writes JSON lines when stdout is not a terminal, the fatal line before the exit included', () => {
    const { status, stdout } = run({});
    expect(status).toBe(1);
    // pino's JSON destination writes asynchronously and flushes at exit: both lines, in either order.
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l)).sort((a, b) => a.level - b.level);
    expect(lines.map((l) => [l.level, l.service, l.msg])).toEqual([
      [30, 'log-lines-service', 'ready to serve'],
      [60, 'log-lines-service', 'cannot go on'],
    ]);
    expect(lines[1].err.message).toBe('the disk is gone');
  });

  it('writes pretty lines with LOG_FORMAT=pretty, without colour on a pipe, the fatal line before the exit included', () => {
    const { status, stdout } = run({ LOG_FORMAT: 'pretty' });
    expect(status).toBe(1);
    expect(stdout).not.toMatch(ANSI);
    expect(stdout).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(log-lines-service\): ready to serve \{"url":"http:\/\/127\.0\.0\.1:3000","port":3000\}\n/);
    expect(stdout).toContain('FATAL (log-lines-service): cannot go on');
    expect(stdout).toContain('the disk is gone');
  });

  it('writes JSON lines with LOG_FORMAT=json', () => {
    const { stdout } = run({ LOG_FORMAT: 'json' });
    expect(stdout.trimEnd().split('\n').map((l) => JSON.parse(l).msg).sort()).toEqual(['cannot go on', 'ready to serve']);
  });

  // util-linux `script` gives the process a terminal for stdout, as a person's shell does.
  it.skipIf(!existsSync('/usr/bin/script'))('writes coloured pretty lines on a terminal, and JSON there with LOG_FORMAT=json', () => {
    const onTerminal = (env: Record<string, string>) => {
      const command = [process.execPath, '--conditions=development', '--import', 'tsx', path.join(here, 'log-lines.ts')].map((a) => `'${a}'`).join(' ');
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['LOG_FORMAT', 'LOG_LEVEL', 'FORCE_COLOR', 'NO_COLOR', 'CI'].includes(k)));
      return spawnSync('/usr/bin/script', ['-qec', command, '/dev/null'], { env: { ...clean, TERM: 'xterm', ...env }, encoding: 'utf8', timeout: 20_000 }).stdout.replaceAll('\r', '');
    };
    const pretty = onTerminal({});
    expect(pretty).toMatch(ANSI);
    expect(pretty.replace(new RegExp(ANSI, 'g'), '')).toContain('INFO (log-lines-service): ready to serve');
    const json = onTerminal({ LOG_FORMAT: 'json' });
    expect(json.trimEnd().split('\n').map((l) => JSON.parse(l).msg).sort()).toEqual(['cannot go on', 'ready to serve']);
  });
});
