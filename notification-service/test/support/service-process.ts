import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServiceProcess {
  name: string;
  /** The pid of the node process running main.ts itself (tsx is an import hook, not a wrapper process). */
  pid: number;
  /** http://127.0.0.1:<port> */
  url: string;
  child: ChildProcess;
  /** The last 20,000 characters of its stdout and stderr. */
  output(): string;
  /** Resolves once the process has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** SIGKILL this pid and wait for it to be gone: a crash, with no shutdown code run. */
  crash(): Promise<void>;
  /** SIGTERM (graceful shutdown), then SIGKILL after `graceMs`; this pid only. */
  stop(graceMs?: number): Promise<void>;
}

/** A TCP port nobody listens on right now (127.0.0.1). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * notification-service's standalone entry (src/main.ts) as its own process, configured only through
 * its environment, so a test can SIGKILL a real instance. It is started as `node --conditions=development
 * --import tsx src/main.ts` rather than through the tsx CLI: the CLI runs the service in a second
 * process of its own, and a SIGKILL to the CLI's pid would leave that one running.
 */
export async function startServiceProcess(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'notification-service/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const proc: ServiceProcess = {
    name,
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => log,
    exited,
    alive,
    async crash() {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`${name} exited before it was ready (${child.exitCode ?? child.signalCode}):\n${log}`);
    const ready = await fetch(`${proc.url}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ready) return proc;
    if (Date.now() > deadline) {
      await proc.stop(2000);
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A counter's value on an instance's /metrics, summed over the series matching `labels` (e.g. `channel="email"`). */
export async function scrapeCounter(url: string, metric: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${metric}(?:\\{([^}]*)\\})? ([0-9.eE+-]+)$`).exec(line);
    if (m && (labels === '' || (m[1] ?? '').includes(labels))) total += Number(m[2]);
  }
  return total;
}
