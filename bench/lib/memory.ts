import { sleep } from './clock.js';
import { scrape, value } from './metrics.js';
import { forceGc, rssBytes, type Proc } from './proc.js';

export interface MemoryReading {
  rss: number;
  /** V8 heap in use plus memory outside the heap held by JS objects (Buffers), after a full GC. */
  heap: number;
}

/** RSS from /proc/<pid>/status and heap from the process's own /metrics, after forcing a full GC. */
export async function readMemory(proc: Proc, url: string): Promise<MemoryReading> {
  await forceGc(proc);
  await sleep(300);
  const samples = await scrape(url);
  const heap = (value(samples, 'nodejs_heap_size_used_bytes') ?? Number.NaN) + (value(samples, 'nodejs_external_memory_bytes') ?? 0);
  return { rss: rssBytes(proc.pid), heap };
}

export interface PerSocket {
  rss: number;
  heap: number;
  before: MemoryReading;
  after: MemoryReading;
}

export const perSocket = (before: MemoryReading, after: MemoryReading, sockets: number): PerSocket => ({
  rss: (after.rss - before.rss) / sockets,
  heap: (after.heap - before.heap) / sockets,
  before,
  after,
});
