import type { ChaosClient } from './live-client.js';
import type { SentItem } from './load.js';

export interface Bucket {
  start: number;
  expected: number;
  arrived: number;
  p50: number;
  p95: number;
  max: number;
  /** p95 of request → 201 of the items sent in this second (how much of the latency is the write path). */
  httpP95: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * End-to-end latency of every probe: from the moment a post or DM request left to the arrival of its
 * notification frame at each live recipient (posts: every live follower; DMs: the one recipient).
 */
export class LatencyBook {
  /** objectId → userId → first arrival (ms epoch). */
  private readonly arrivals = new Map<string, Map<string, number>>();

  constructor(
    private readonly clients: ChaosClient[],
    private readonly liveIds: Set<string>,
  ) {
    for (const c of clients) {
      for (const a of c.arrivals) this.note(c.userId, a.objectId, a.at);
      c.onNotification = (a) => this.note(c.userId, a.objectId, a.at);
    }
  }

  private note(userId: string, objectId: string | undefined, at: number): void {
    if (!objectId) return;
    let m = this.arrivals.get(objectId);
    if (!m) this.arrivals.set(objectId, (m = new Map()));
    if (!m.has(userId)) m.set(userId, at);
  }

  /** Latency of each expected frame of `item` (Infinity: not arrived yet). */
  latencies(item: SentItem): number[] {
    const got = this.arrivals.get(item.objectId);
    const recipients = item.kind === 'post' ? [...this.liveIds] : this.liveIds.has(item.to!) ? [item.to!] : [];
    return recipients.map((u) => {
      const at = got?.get(u);
      return at === undefined ? Number.POSITIVE_INFINITY : at - item.sentAt;
    });
  }

  /** One-second buckets by send time from `from` to `to`. */
  buckets(items: SentItem[], from: number, to: number): Bucket[] {
    const out: Bucket[] = [];
    for (let start = from; start < to; start += 1000) {
      const lat = items.filter((i) => i.sentAt >= start && i.sentAt < start + 1000).flatMap((i) => this.latencies(i));
      const done = lat.filter(Number.isFinite).sort((a, b) => a - b);
      const missing = lat.length - done.length;
      const all = [...done, ...Array(missing).fill(Number.POSITIVE_INFINITY)];
      const http = items.filter((i) => i.sentAt >= start && i.sentAt < start + 1000).map((i) => i.acceptedAt - i.sentAt).sort((a, b) => a - b);
      out.push({ start, expected: lat.length, arrived: done.length, p50: percentile(all, 50), p95: percentile(all, 95), max: all.at(-1) ?? Number.NaN, httpP95: percentile(http, 95) });
    }
    return out;
  }

  summary(items: SentItem[]): { frames: number; arrived: number; p50: number; p95: number; p99: number; max: number } {
    const lat = items.flatMap((i) => this.latencies(i));
    const done = lat.filter(Number.isFinite).sort((a, b) => a - b);
    return { frames: lat.length, arrived: done.length, p50: percentile(done, 50), p95: percentile(done, 95), p99: percentile(done, 99), max: done.at(-1) ?? Number.NaN };
  }
}

/**
 * When latency was back to steady after `faultEnd`: the start (ms after faultEnd) of the first
 * one-second bucket of probes sent after the fault from which every later judged bucket had all its
 * frames and a p95 at or under `thresholdMs`. Undefined if that never happened in the buckets.
 */
export function recoveryMs(buckets: Bucket[], faultEnd: number, thresholdMs: number): number | undefined {
  const after = buckets.filter((b) => b.start >= faultEnd && b.expected > 0);
  const good = after.map((b) => b.arrived === b.expected && b.p95 <= thresholdMs);
  for (let i = 0; i < after.length; i++) {
    if (good.slice(i).every(Boolean) && after.length - i >= 3) return after[i]!.start - faultEnd;
  }
  return undefined;
}
