import { nowMs } from './clock.js';
import type { ClientWorker } from './clients.js';
import { timedBurst, type BurstResult } from './burst.js';
import { connectMeasured } from './connect.js';
import type { PerSocket } from './memory.js';
import { CpuWindow, profiled, startProcess, waitReady } from './proc.js';
import type { BenchUser } from './seed.js';
import { freePort } from '@herald/platform/testing';

export type BaselineKind = 'socketio' | 'ws' | 'hub';

export interface BaselineResult {
  kind: BaselineKind;
  connected: number;
  failed: number;
  connectMs: number;
  memory: PerSocket;
  fromStart: PerSocket;
  burst: BurstResult;
  /** The server's synchronous push loop (all frames handed to sockets), as it measured it (ms). */
  pushLoopMs: number;
  cpu: ReturnType<CpuWindow['end']>;
}

const NAMES: Record<BaselineKind, string> = { socketio: 'socket.io server', ws: 'bare ws server', hub: 'Herald live hub' };

/**
 * A baseline server in its own process, the same N users connected from the same client worker,
 * and the same burst: one targeted frame per user, timed from the trigger's 201 to each arrival.
 * `hub` is notification-service's own live layer without the inbox (bench/lib/hub-server.ts).
 */
export async function runBaseline(
  kind: BaselineKind,
  worker: ClientWorker,
  users: BenchUser[],
  author: BenchUser,
  addresses: string[],
  hubEnv: { JWT_PUBLIC_KEY: string; REDIS_URL: string; REDIS_PREFIX: string },
  profile?: string,
): Promise<BaselineResult> {
  const port = await freePort();
  const proc =
    kind === 'hub'
      ? startProcess(NAMES.hub, 'bench/lib/hub-server.ts', { env: { ...hubEnv, PORT: String(port) }, inspect: true })
      : startProcess(NAMES[kind], 'bench/lib/baseline-server.ts', { args: [kind, String(port)], inspect: true });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(proc, url);
    const reply = await connectMeasured({
      worker,
      proc,
      url,
      kind: kind === 'hub' ? 'herald' : kind,
      wsUrl: kind === 'socketio' ? url : `${url.replace(/^http/, 'ws')}/ws`,
      users: users.map((u) => ({ id: u.id, token: u.token })),
      addresses,
    });
    if (reply.failed > 0) console.warn(`  ${kind}: ${reply.failed} clients failed to connect (${reply.firstError})`);
    await worker.call({ cmd: 'gc' });
    const cpu = new CpuWindow({ server: proc.pid, clients: worker.proc.pid });
    const objectId = crypto.randomUUID();
    const burst = await profiled(proc, profile, () => timedBurst(worker, reply.connected, async () => {
      const body = JSON.stringify({ objectId, actor: { id: author.id, username: author.username }, ...(kind === 'hub' ? { userIds: users.map((u) => u.id) } : {}) });
      const res = await fetch(`${url}/burst`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const t0 = nowMs();
      if (res.status !== 201) throw new Error(`POST /burst: ${res.status}`);
      return { t0, objectIds: [objectId] };
    }));
    const usage = cpu.end();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const pushLoopMs = Number(/baseline_last_push_ms (\S+)/.exec(metrics)?.[1]);
    await worker.call({ cmd: 'close' });
    return { kind, connected: reply.connected, failed: reply.failed, connectMs: reply.connectMs, memory: reply.memory, fromStart: reply.fromStart, burst, pushLoopMs, cpu: usage };
  } finally {
    await proc.stop(5_000);
  }
}
