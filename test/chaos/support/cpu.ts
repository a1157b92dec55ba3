import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

function pidTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Every process whose command name is one of `names` (the shared servers). */
function pidsNamed(names: string[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (names.includes(comm)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export interface CpuReport {
  seconds: number;
  /** Cores busy on the whole machine (2.0 = both cores full). */
  machineCores: number;
  /** Cores used by each of our processes, and by the shared servers (all of their work, ours and anyone else's). */
  cores: Record<string, number>;
  /** Machine busy time not accounted for by ours or the servers: other work on the box. */
  otherCores: number;
}

/** CPU use over a window, from /proc: the machine, our processes by pid, the servers by name. */
export class CpuWindow {
  private readonly t0 = Date.now();
  private readonly m0 = machineTicks();
  private readonly p0: Map<string, { pid: number | undefined; ticks: number }>;
  private readonly servers0: Map<string, number>;

  constructor(private readonly pids: () => Record<string, number | undefined>) {
    this.p0 = new Map(Object.entries(pids()).map(([k, pid]) => [k, { pid, ticks: pid ? pidTicks(pid) : 0 }]));
    this.servers0 = serverTicks();
  }

  end(): CpuReport {
    const seconds = (Date.now() - this.t0) / 1000;
    const m1 = machineTicks();
    const cores: Record<string, number> = {};
    let ours = 0;
    for (const [k, pid] of Object.entries(this.pids())) {
      // A process restarted in the window: its new pid counted from zero (the dead one's share is lost).
      const before = this.p0.get(k);
      const d = pid ? pidTicks(pid) - (before?.pid === pid ? before.ticks : 0) : 0;
      const v = Math.max(0, d) / TICK / seconds;
      cores[k] = round(v);
      ours += v;
    }
    const s1 = serverTicks();
    for (const [k, t] of s1) {
      const v = Math.max(0, t - (this.servers0.get(k) ?? 0)) / TICK / seconds;
      cores[k] = round(v);
      ours += v;
    }
    const machine = (m1.busy - this.m0.busy) / TICK / seconds;
    return { seconds: round(seconds), machineCores: round(machine), cores, otherCores: round(Math.max(0, machine - ours)) };
  }
}

function serverTicks(): Map<string, number> {
  const groups: Record<string, string[]> = { postgres: ['postgres'], rabbitmq: ['beam.smp'], redis: ['redis-server'] };
  return new Map(Object.entries(groups).map(([k, names]) => [k, pidsNamed(names).reduce((a, pid) => a + pidTicks(pid), 0)]));
}

const round = (v: number) => Math.round(v * 100) / 100;
