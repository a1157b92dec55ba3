import { sleep } from './clock.js';
import type { ClientWorker } from './clients.js';
import type { ClientKind } from './client-protocol.js';
import { perSocket, readMemory, type PerSocket } from './memory.js';
import type { Proc } from './proc.js';

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  connectMs: number;
  /** Marginal cost: what the second half of the sockets added, the first half having warmed everything up. */
  memory: PerSocket;
  /** From the freshly started process to all N: includes one-off warm-up (JIT code, pools, caches) spread over N. */
  fromStart: PerSocket;
}

type Reply = { connected: number; failed: number; firstError?: string; ms: number };

/**
 * Connects `users` in two halves and reads the server's memory (after a forced GC) before, between
 * and after, so the per-socket figure is the marginal cost of an idle authenticated socket and not
 * the server's first-use warm-up divided by N.
 */
export async function connectMeasured(opts: {
  worker: ClientWorker;
  proc: Proc;
  /** Where the server's /metrics is. */
  url: string;
  kind: ClientKind;
  wsUrl: string;
  users: { id: string; token: string }[];
  addresses: string[];
}): Promise<ConnectResult> {
  const { worker, proc, url } = opts;
  const connect = (users: { id: string; token: string }[]) =>
    worker.call<Reply>({ cmd: 'connect', kind: opts.kind, url: opts.wsUrl, users, addresses: opts.addresses, concurrency: 100 });
  const start = await readMemory(proc, url);
  const half = Math.floor(opts.users.length / 2);
  const first = await connect(opts.users.slice(0, half));
  await sleep(1_000);
  const middle = await readMemory(proc, url);
  const second = await connect(opts.users.slice(half));
  await sleep(2_000);
  const end = await readMemory(proc, url);
  return {
    connected: first.connected + second.connected,
    failed: first.failed + second.failed,
    firstError: first.firstError ?? second.firstError,
    connectMs: first.ms + second.ms,
    memory: perSocket(middle, end, second.connected),
    fromStart: perSocket(start, end, first.connected + second.connected),
  };
}
