import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServiceProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for exit; SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL at once: an instance dying without goodbye. */
  kill(): Promise<void>;
}

/** Starts `<service>/src/main.ts` as its own process (the real-infrastructure runtime) and waits for /readyz. */
export async function startServiceProcess(name: string, env: Record<string, string>, port: number): Promise<ServiceProcess> {
  // node itself (with tsx as a loader), not the tsx CLI: the CLI runs node as a child of its own,
  // and a SIGKILL to the CLI would leave that child running.
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', path.join(repoRoot, name, 'src', 'main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => (log = (log + d).slice(-20_000)));
  child.stderr?.on('data', (d) => (log = (log + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${log}`);
        const res = await fetch(`${url}/readyz`);
        return res.ok;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${name} /readyz` },
    );
  } catch (err) {
    await signal('SIGKILL', 0);
    throw new Error(`${name} did not become ready: ${(err as Error).message}\n${log}`);
  }
  return { name, url, child, output: () => log, stop: () => signal('SIGTERM', 10_000), kill: () => signal('SIGKILL', 0) };
}
