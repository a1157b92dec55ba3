import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { sleep, waitUntil } from './clock.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Proc {
  name: string;
  /** The pid of the node process running the code itself (no tsx wrapper in between), so /proc reads it. */
  pid: number;
  child: ChildProcess;
  output(): string;
  /** The inspector's WebSocket URL when started with `inspect` (used only to force a GC before a memory reading). */
  inspectorUrl(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; only this pid. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a TypeScript entry as its own node process with tsx as an import hook (not the tsx CLI,
 * which would put a wrapper process between us and the one we measure), with an IPC channel.
 */
export function startProcess(name: string, entry: string, opts: { env?: Record<string, string>; args?: string[]; inspect?: boolean; nodeArgs?: string[] } = {}): Proc {
  const execArgv = ['--conditions=development', '--import', 'tsx', ...(opts.inspect ? ['--inspect=127.0.0.1:0'] : []), ...(opts.nodeArgs ?? [])];
  const child = fork(path.resolve(repoRoot, entry), opts.args ?? [], {
    cwd: repoRoot,
    execArgv,
    env: { ...process.env, LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let log = '';
  let inspector: string | undefined;
  const keep = (d: Buffer) => {
    const text = d.toString();
    inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1];
    log = (log + text).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    pid: child.pid!,
    child,
    output: () => log,
    inspectorUrl: () => inspector,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `url`/readyz answers 200, failing early (with the process output) if the process exits. */
export async function waitReady(proc: Proc, url: string, timeoutMs = 90_000): Promise<void> {
  try {
    await waitUntil(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`exited with ${proc.child.exitCode}`);
        return (await fetch(`${url}/readyz`)).ok;
      },
      `${proc.name} /readyz`,
      timeoutMs,
      200,
    );
  } catch (err) {
    throw new Error(`${proc.name} did not become ready: ${(err as Error).message}\n${proc.output()}`);
  }
}

/** Resident set size of a process, from /proc/<pid>/status (VmRSS, kB). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** User + system CPU seconds a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A Chrome DevTools protocol session on a process started with `inspect` (bench-side tooling only). */
export class Inspector {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const reply = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      const waiter = reply.id === undefined ? undefined : this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id!);
      if (reply.error) waiter.reject(new Error(JSON.stringify(reply.error)));
      else waiter.resolve(reply.result);
    });
  }

  static async open(proc: Proc): Promise<Inspector> {
    const url = proc.inspectorUrl();
    if (!url) throw new Error(`${proc.name} was not started with an inspector`);
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new Inspector(socket);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * A full garbage collection in the measured process, through its inspector, so a heap or RSS
 * reading counts live objects and not garbage. Nothing is added to the service.
 */
export async function forceGc(proc: Proc): Promise<void> {
  const inspector = await Inspector.open(proc);
  try {
    await inspector.send('HeapProfiler.collectGarbage');
    await inspector.send('HeapProfiler.collectGarbage');
  } finally {
    inspector.close();
  }
  await sleep(200);
}

/**
 * Runs `work` while V8's sampling CPU profiler and sampling heap profiler run in `proc`; writes
 * `<base>.cpuprofile` and `<base>.heapprofile` (Chrome DevTools formats).
 */
export async function profiled<T>(proc: Proc, base: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!base) return work();
  const inspector = await Inspector.open(proc);
  try {
    await inspector.send('Profiler.enable');
    await inspector.send('Profiler.setSamplingInterval', { interval: 200 });
    await inspector.send('HeapProfiler.enable');
    await inspector.send('HeapProfiler.startSampling', { samplingInterval: 16_384 });
    await inspector.send('Profiler.start');
    const result = await work();
    const { profile } = await inspector.send<{ profile: unknown }>('Profiler.stop');
    const heap = await inspector.send<{ profile: unknown }>('HeapProfiler.stopSampling');
    writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
    writeFileSync(`${base}.heapprofile`, JSON.stringify(heap.profile));
    return result;
  } finally {
    inspector.close();
  }
}

/** Busy and total jiffies of the whole machine (all CPUs), from /proc/stat: busy share = Δbusy / Δtotal. */
export function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Pids of every process whose command name is `comm` (e.g. postgres, beam.smp, redis-server). */
export function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** CPU seconds used by a set of processes and the machine's busy share over a measured span. */
export class CpuWindow {
  private readonly machine = machineCpu();
  private readonly procs: Record<string, number[]>;
  private readonly start = new Map<number, number>();
  private readonly everyone = allCpu();
  /** Our processes by pid, plus the shared servers (PostgreSQL backends, RabbitMQ, Redis) by name. */
  constructor(procs: Record<string, number>) {
    this.procs = {
      ...Object.fromEntries(Object.entries(procs).map(([name, pid]) => [name, [pid]])),
      postgres: pidsNamed('postgres'),
      rabbitmq: pidsNamed('beam.smp'),
      redis: pidsNamed('redis-server'),
    };
    for (const pids of Object.values(this.procs)) for (const pid of pids) this.start.set(pid, cpuOrNaN(pid));
  }

  /** CPU seconds per tracked name, the machine's busy share, and the busiest untracked processes (someone else's load). */
  end(): { seconds: Record<string, number>; machineBusy: number; others: string[] } {
    const seconds: Record<string, number> = {};
    // A process that exits inside the window drops out (its last ticks are lost: a small undercount).
    for (const [name, pids] of Object.entries(this.procs)) seconds[name] = pids.map((pid) => cpuOrNaN(pid) - this.start.get(pid)!).filter((d) => !Number.isNaN(d)).reduce((a, b) => a + b, 0);
    const now = machineCpu();
    const tracked = new Set(Object.values(this.procs).flat());
    const others = [...allCpu()]
      .filter(([pid]) => !tracked.has(pid))
      .map(([pid, { comm, cpu }]) => ({ pid, comm, used: cpu - (this.everyone.get(pid)?.cpu ?? 0) }))
      .filter((p) => p.used >= 0.05)
      .sort((a, b) => b.used - a.used)
      .slice(0, 4)
      .map((p) => `${p.comm}[${p.pid}] ${p.used.toFixed(2)} s`);
    return { seconds, machineBusy: (now.busy - this.machine.busy) / Math.max(1, now.total - this.machine.total), others };
  }
}

function allCpu(): Map<number, { comm: string; cpu: number }> {
  const out = new Map<number, { comm: string; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { comm, cpu: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      /* gone */
    }
  }
  return out;
}

function cpuOrNaN(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return Number.NaN;
  }
}
