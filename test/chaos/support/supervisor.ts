import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../support/processes.js';
import { forgetPid, recordPid } from './state.js';

export interface ExitRecord {
  at: number;
  code: number | null;
  signal: string | null;
  /** The suite killed or stopped it on purpose. */
  expected: boolean;
  /** The last lines it wrote (why it died). */
  tail: string;
}

/**
 * One service process under an orchestrator's rules: `<service>/src/main.ts` as its own process
 * (node with tsx as a loader, so the pid is the service itself), restarted with a growing delay
 * (1 s, 2 s, 4 s ... 30 s, like a CrashLoopBackOff) when it exits without the suite asking. Every
 * exit is recorded, so a scenario can report crashes and restarts.
 */
export class Supervised {
  child: ChildProcess | undefined;
  readonly exits: ExitRecord[] = [];
  starts = 0;
  private log = '';
  private stopping = false;
  private expectingExit = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = 1000;

  constructor(
    readonly name: string,
    readonly service: string,
    readonly env: Record<string, string>,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Exits the suite did not cause, since `since` (ms epoch). */
  crashesSince(since: number): ExitRecord[] {
    return this.exits.filter((e) => !e.expected && e.at >= since);
  }

  output(): string {
    return this.log;
  }

  /** Spawns the process and waits for /readyz (fails after `timeoutMs`, leaving it running). */
  async start(timeoutMs = 90_000): Promise<void> {
    this.stopping = false;
    this.spawn();
    await this.waitReady(timeoutMs);
  }

  async waitReady(timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      if (Date.now() - started > timeoutMs) throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.log.slice(-3000)}`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.ok) return Date.now() - started;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private spawn(): void {
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', path.join(repoRoot, this.service, 'src', 'main.ts')], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.starts++;
    this.child = child;
    recordPid(child.pid);
    const keep = (d: Buffer) => (this.log = (this.log + d).slice(-30_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      forgetPid(child.pid);
      const expected = this.stopping || this.expectingExit;
      this.expectingExit = false;
      this.exits.push({ at: Date.now(), code, signal, expected, tail: this.log.slice(-1500) });
      if (this.child === child) this.child = undefined;
      if (!expected) {
        // Crashed: restart it as an orchestrator would, a little later each time it keeps crashing.
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
        this.restartTimer = setTimeout(() => {
          if (!this.stopping) this.spawn();
        }, delay);
      }
    });
  }

  private async signal(sig: NodeJS.Signals, graceMs: number): Promise<void> {
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** SIGKILL without warning; it stays down until restart(). */
  async kill(): Promise<void> {
    this.expectingExit = true;
    this.stopping = true;
    await this.signal('SIGKILL', 0);
  }

  /** Starts it again (same port, a new instance id) after kill(); resolves when ready. */
  async restart(timeoutMs = 60_000): Promise<number> {
    const t0 = Date.now();
    this.stopping = false;
    this.backoffMs = 1000;
    this.spawn();
    await this.waitReady(timeoutMs);
    return Date.now() - t0;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.signal('SIGTERM', 10_000);
  }
}
