import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@herald/platform/testing';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface ServiceProcess {
  url: string;
  /** Exit code or signal once the process has ended; undefined while it runs. */
  exited(): string | undefined;
  output(): string;
  /** SIGTERM, then SIGKILL if it does not go within the grace period. */
  stop(): Promise<void>;
}

/** post-service's real runtime (src/main.ts) as a process of its own, as deployed. */
export async function startPostServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  // node with tsx as a loader rather than the tsx CLI, so the pid we signal is the service itself.
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', MAIN], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exit: string | undefined;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal ?? String(code);
      resolve();
    }),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    exited: () => exit,
    output: () => log,
    async stop() {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
