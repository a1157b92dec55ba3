import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { ConfigError } from '@herald/platform';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { repoRoot } from '../support/processes.js';

// The embedded-mode findings of a security review (README.md, "Configuration": HOST,
// HERALD_DATA_DIR, ACCESS_TOKEN_TTL_SECONDS, SEND_API_KEYS): a private data directory, loopback by
// default, short-lived tokens, the operator's own send API keys, and a generated key that is
// shown once and logged masked only.

const quiet = () => pino({ level: 'silent' });
const KEY_A = 'billing-key-0123456789abcdef';
const KEY_B = 'ops-key-0123456789abcdef-xyz';

/** Every entry under `dir` (and `dir` itself) whose mode is not owner-only: `d755 /path`. */
function notOwnerOnly(dir: string): string[] {
  const bad: string[] = [];
  const visit = (p: string) => {
    const stat = lstatSync(p);
    if (stat.isSymbolicLink()) return;
    const mode = stat.mode & 0o777;
    if (mode !== (stat.isDirectory() ? 0o700 : 0o600)) bad.push(`${stat.isDirectory() ? 'd' : 'f'}${mode.toString(8)} ${path.relative(dir, p) || '.'}`);
    if (stat.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return bad;
}

function countFiles(dir: string): number {
  return readdirSync(dir, { recursive: true }).length;
}

/** The claims of a JWT, unverified (the gateway verifies; here only exp - iat matters). */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };

const tmpDirs: string[] = [];
const newDataDir = (label: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `herald-sec-${label}-`));
  tmpDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

describe('embedded mode: a private data directory, loopback, 15-minute tokens', () => {
  let herald: Herald | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = path.join(newDataDir('fresh'), 'state');
    // Neither opts.host nor HOST: the default bind address is what is under test.
    herald = await startHerald({ dataDir, port: 0, logger: quiet() });
  }, 120_000);
  afterAll(async () => herald?.close());

  it('listens on 127.0.0.1 only when HOST is not set', async () => {
    expect(herald!.address.address).toBe('127.0.0.1');
    expect((await fetch(`${herald!.url}/healthz`)).status).toBe(200);
    // From any other address of this machine, nothing answers.
    const other = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (other) {
      const refused = await new Promise<string>((resolve) => {
        const socket = connect({ host: other.address, port: herald!.address.port }, () => (socket.destroy(), resolve('connected')));
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    }
  });

  it('issues access tokens that live 900 s when ACCESS_TOKEN_TTL_SECONDS is not set', async () => {
    const { accessToken } = await apiClient(herald!.url).register(uniqueName('ttl'));
    const { exp, iat } = claimsOf(accessToken);
    expect(exp - iat).toBe(900);
  });

  it('keeps every directory 0700 and every file 0600, PGlite files and the WAL included, while running and after close', async () => {
    // Write what the review worried about (password hash, email, a post) so the WAL has it.
    const api = apiClient(herald!.url);
    const ana = await api.register(uniqueName('ana'));
    expect((await api.call('POST', '/api/v1/posts', { text: 'private enough?' }, ana.accessToken)).status).toBe(201);

    expect(countFiles(path.join(dataDir, 'pg'))).toBeGreaterThan(500); // really the cluster, not an empty dir
    expect(existsSync(path.join(dataDir, 'keys', 'jwt-public.pem'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'pg', 'embedded-postgres.lock'))).toBe(true);
    expect(notOwnerOnly(dataDir)).toEqual([]);

    await herald!.close();
    herald = undefined;
    expect(notOwnerOnly(dataDir)).toEqual([]);
  });

  it('leaves the process umask at 077 so files created later are private too', () => {
    const current = process.umask(0o077);
    process.umask(current);
    expect(current & 0o077).toBe(0o077);
  });
});

describe('embedded mode: a data directory from an older Herald is made private on start', () => {
  let herald: Herald | undefined;
  afterEach(async () => {
    await herald?.close();
    herald = undefined;
  });

  it('chmods an existing 0755/0666 tree to 0700/0600, follows no symlink, and keeps the data', async () => {
    const dataDir = newDataDir('old');
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: quiet() });
    const cy = await apiClient(herald.url).register(uniqueName('cy'));
    await herald.close();
    herald = undefined;

    // What an older Herald left behind: world-readable everything.
    const loosen = (p: string) => {
      const stat = lstatSync(p);
      chmodSync(p, stat.isDirectory() ? 0o755 : 0o666);
      if (stat.isDirectory()) for (const name of readdirSync(p)) loosen(path.join(p, name));
    };
    loosen(dataDir);
    expect(notOwnerOnly(dataDir).length).toBeGreaterThan(500);
    // A link out of the data directory must not turn the walk onto someone else's file.
    const outside = path.join(newDataDir('outside'), 'shared.txt');
    writeFileSync(outside, 'not Herald\'s', { mode: 0o644 });
    chmodSync(outside, 0o644);
    symlinkSync(outside, path.join(dataDir, 'keys', 'a-link'));

    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: quiet() });
    expect(notOwnerOnly(dataDir)).toEqual([]);
    expect(lstatSync(outside).mode & 0o777).toBe(0o644);
    const login = await apiClient(herald.url).call('POST', '/api/v1/auth/login', { login: cy.user.username, password: 'correct horse battery' });
    expect(login.status).toBe(200);
  }, 120_000);
});

describe('embedded mode: HOST, ACCESS_TOKEN_TTL_SECONDS and SEND_API_KEYS are honoured', () => {
  let herald: Herald | undefined;
  afterEach(async () => {
    await herald?.close();
    herald = undefined;
  });

  it('uses the operator\'s keys with their scopes, the configured token lifetime and bind address, and no generated key', async () => {
    const dataDir = newDataDir('keys');
    // A first start without SEND_API_KEYS generates a key...
    herald = await startHerald({ dataDir, port: 0, logger: quiet() });
    const generated = herald.sendApiKey!;
    expect(generated).toMatch(/^hk_/);
    expect(herald.sendApiKeyCreated).toBe(true);
    await herald.close();

    // ...which stops working once SEND_API_KEYS names the keys.
    herald = await startHerald({
      dataDir,
      port: 0,
      logger: quiet(),
      env: { HOST: '0.0.0.0', ACCESS_TOKEN_TTL_SECONDS: '120', SEND_API_KEYS: `billing:${KEY_A}, ops:${KEY_B}:admin` },
    });
    expect(herald.address.address).toBe('0.0.0.0');
    expect(herald.sendApiKey).toBeUndefined();
    expect(herald.sendApiKeysForLog).toEqual([
      { name: 'billing', key: '…cdef', scopes: 'send' },
      { name: 'ops', key: '…-xyz', scopes: 'admin' },
    ]);
    expect(JSON.stringify(herald.sendApiKeysForLog)).not.toContain(KEY_A);

    const api = apiClient(herald.url);
    const dee = await api.register(uniqueName('dee'));
    const { exp, iat } = claimsOf(dee.accessToken);
    expect(exp - iat).toBe(120);

    const send = (key: string) =>
      fetch(`${herald!.url}/api/v1/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ recipients: [dee.user.id], type: 'alert', title: 'Card expiring', body: 'Update it', idempotencyKey: `k-${key.slice(0, 4)}` }),
      });
    const deadLetters = (key: string) => fetch(`${herald!.url}/api/v1/admin/dead-letters`, { headers: { 'x-api-key': key } });
    expect((await send(KEY_A)).status).toBe(202);
    expect((await send(generated)).status).toBe(401);
    expect((await deadLetters(generated)).status).toBe(401);
    // Scopes as given: billing may send but not administer; ops (admin only) the other way round.
    expect((await deadLetters(KEY_A)).status).toBe(403);
    expect((await deadLetters(KEY_B)).status).toBe(200);
    expect((await send(KEY_B)).status).toBe(403);
  }, 120_000);

  it('never regenerates a key from an empty key file into "every empty X-API-Key is valid"', async () => {
    const dataDir = newDataDir('empty-key');
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: quiet() });
    await herald.close();
    writeFileSync(path.join(dataDir, 'keys', 'send-api-key'), '\n');
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: quiet() });
    expect(herald.sendApiKey).toMatch(/^hk_.{32}$/);
    expect(herald.sendApiKeyCreated).toBe(true);
    expect(readFileSync(path.join(dataDir, 'keys', 'send-api-key'), 'utf8').trim()).toBe(herald.sendApiKey);
    // Before the fix this was 200: the empty stored key matched an empty header.
    expect((await fetch(`${herald.url}/api/v1/admin/dead-letters`, { headers: { 'x-api-key': '' } })).status).toBe(401);
  }, 120_000);
});

describe('embedded mode: a bad value stops start-up with the setting\'s name', () => {
  const rejects = async (env: Record<string, string>) => {
    const dataDir = path.join(newDataDir('bad'), 'never-created');
    const err = await startHerald({ dataDir, port: 0, logger: quiet(), env }).then(
      (h) => h.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    // Refused before anything was written.
    expect(existsSync(dataDir)).toBe(false);
    return (err as ConfigError).message;
  };

  it.each([
    [{ ACCESS_TOKEN_TTL_SECONDS: 'fifteen minutes' }, 'ACCESS_TOKEN_TTL_SECONDS'],
    [{ ACCESS_TOKEN_TTL_SECONDS: '59' }, 'ACCESS_TOKEN_TTL_SECONDS'],
    [{ ACCESS_TOKEN_TTL_SECONDS: String(31 * 24 * 3600) }, 'ACCESS_TOKEN_TTL_SECONDS'],
    [{ HOST: 'http://0.0.0.0' }, 'HOST'],
    [{ HOST: 'localhost:3000' }, 'HOST'],
    [{ SEND_API_KEYS: ' , ' }, 'SEND_API_KEYS'],
    [{ SEND_API_KEYS: `billing:${KEY_A}:root` }, 'SEND_API_KEYS'],
    [{ SEND_API_KEYS: `bill ing:${KEY_A}` }, 'SEND_API_KEYS'],
  ])('%o', async (env, name) => {
    expect(await rejects(env)).toContain(name);
  });

  it('reports every bad setting at once and never echoes a key', async () => {
    const message = await rejects({
      ACCESS_TOKEN_TTL_SECONDS: '0',
      HOST: 'not a host',
      SEND_API_KEYS: `${KEY_A},ops:tiny1,ops2:${KEY_B}:x:y`,
    });
    expect(message).toContain('ACCESS_TOKEN_TTL_SECONDS="0"');
    expect(message).toContain('HOST="not a host"');
    expect(message).toMatch(/SEND_API_KEYS: entry 1 is not name:key\[:scopes\]; entry 2 \(ops\): the key is shorter than 16 characters; entry 3 is not name:key/);
    expect(message).not.toContain(KEY_A);
    expect(message).not.toContain(KEY_B);
    expect(message).not.toContain('tiny1');
  });

  it('names HOST when it is well-formed but not an address of this machine', async () => {
    const dataDir = newDataDir('bad-host');
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a local interface.
    const err = await startHerald({ dataDir, port: 0, logger: quiet(), env: { HOST: '192.0.2.1' } }).then(
      (h) => h.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('HOST="192.0.2.1" cannot be bound');
  }, 120_000);
});

/** `npm start` itself (embedded/main.ts), as its own process, with everything it prints. */
async function npmStart(env: Record<string, string>): Promise<{ code: number | null; output: string; lines: any[] }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'AMQP_URL', 'REDIS_URL', 'SEND_API_KEYS', 'HOST', 'ACCESS_TOKEN_TTL_SECONDS', 'PORT', 'HERALD_DATA_DIR'].includes(k)));
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', path.join(repoRoot, 'embedded', 'main.ts')], {
    cwd: repoRoot,
    env: { ...clean, LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (child.exitCode === null && !output.includes('Stop: Ctrl+C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (child.exitCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return { code, output, lines };
}

describe('`npm start`: the generated send API key is printed once, and logged masked only', () => {
  it('shows the key in full on the start that generates it, never in a log line, and masked afterwards', async () => {
    const dataDir = newDataDir('npm-start');
    const first = await npmStart({ HERALD_DATA_DIR: dataDir });
    expect(first.code, first.output).toBe(0);
    const key = readFileSync(path.join(dataDir, 'keys', 'send-api-key'), 'utf8').trim();
    const masked = `hk_…${key.slice(-4)}`;
    expect(first.output.split(key).length - 1).toBe(1);
    expect(first.output).toContain(`Send API key (X-API-Key): ${key}\n`);
    expect(first.lines.length).toBeGreaterThan(0);
    for (const line of first.lines) expect(JSON.stringify(line)).not.toContain(key);
    const running = first.lines.find((l) => l.msg === 'Herald is running (embedded mode)');
    expect(running).toMatchObject({ host: '127.0.0.1', sendApiKeys: [{ name: 'embedded', key: masked, scopes: '*' }] });
    expect(notOwnerOnly(dataDir)).toEqual([]);

    const second = await npmStart({ HERALD_DATA_DIR: dataDir });
    expect(second.code, second.output).toBe(0);
    expect(second.output).not.toContain(key);
    expect(second.output).toContain(`Send API key (X-API-Key): ${masked}`);
  }, 180_000);

  it('exits 1 naming each bad setting, without printing the configured keys', async () => {
    const dataDir = newDataDir('npm-start-bad');
    const run = await npmStart({ HERALD_DATA_DIR: dataDir, ACCESS_TOKEN_TTL_SECONDS: '-1', HOST: '0.0.0.0:3000', SEND_API_KEYS: `billing:${KEY_A}:all` });
    expect(run.code).toBe(1);
    const fatal = run.lines.find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(/ACCESS_TOKEN_TTL_SECONDS/);
    expect(fatal?.msg).toMatch(/HOST/);
    expect(fatal?.msg).toMatch(/SEND_API_KEYS: entry 1 \(billing\): scope "all" is not send, admin, noncritical/);
    expect(run.output).not.toContain(KEY_A);
  }, 60_000);
});
