import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The parent side of proxy-host.ts: named TCP proxies in a child process, cut and restored by name. */
export class ProxyHost {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  private constructor(readonly child: ChildProcess) {
    child.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(msg.error));
    });
    child.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`proxy host exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  static async start(): Promise<ProxyHost> {
    const child = fork(path.join(here, 'proxy-host.ts'), [], {
      execArgv: ['--conditions=development', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const host = new ProxyHost(child);
    await new Promise<void>((resolve, reject) => {
      host.waiting.set(0, { resolve: () => resolve(), reject });
      child.once('error', reject);
    });
    return host;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private call<T = unknown>(cmd: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, ...cmd });
    });
  }

  async add(name: string, port: number): Promise<number> {
    return (await this.call<{ port: number }>({ op: 'add', name, port })).port;
  }

  cut(name: string): Promise<void> {
    return this.call({ op: 'cut', name });
  }

  restore(name: string): Promise<void> {
    return this.call({ op: 'restore', name });
  }

  stats(): Promise<Record<string, { port: number; connections: number }>> {
    return this.call({ op: 'stats' });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.call({ op: 'close' }).catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
}
