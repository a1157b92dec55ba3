import type { ChaosUser, Population } from './seed.js';

export interface SentItem {
  kind: 'post' | 'dm';
  objectId: string;
  /** When the request left (ms epoch): latency runs from here to the frame's arrival. */
  sentAt: number;
  acceptedAt: number;
  /** A DM's recipient; undefined for a post (every follower). */
  to?: string;
  gateway: number;
}

export interface Rejected {
  kind: 'post' | 'dm';
  at: number;
  status: number | string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The steady load, through the gateways as clients send it: the author posts every `postEveryMs`
 * (each post fans out to every follower) and `dmRate` direct messages per second go from random
 * senders to random live users, alternating gateways A and B. A request that is not answered 201
 * is counted as rejected and not expected anywhere (no retry: a retry after an ambiguous failure
 * would be a second, legitimate post). At most `maxInFlight` DMs wait at once; sends that would pass
 * it are skipped and counted (during an outage requests hang instead of failing).
 */
export class LoadGenerator {
  readonly items: SentItem[] = [];
  readonly rejected: Rejected[] = [];
  skipped = 0;
  private running = false;
  /** Paused: no new posts or DMs (a settle period between scenarios). */
  paused = false;
  private loops: Promise<void>[] = [];
  private inFlight = 0;
  /** Send times of requests not answered yet. */
  private readonly pending = new Map<symbol, number>();
  private rr = 0;

  constructor(
    private readonly pop: Population,
    private readonly gateways: string[],
    readonly opts: { postEveryMs: number; dmRate: number; maxInFlight: number; timeoutMs: number },
  ) {}

  start(): void {
    this.running = true;
    this.loops = [this.postLoop(), this.dmLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    while (this.inFlight > 0) await sleep(20);
  }

  /** Sends `count` DMs to `to` evenly over `overMs` (on top of the steady load); resolves when all were answered. */
  async directed(to: ChaosUser, count: number, overMs: number): Promise<{ accepted: number; rejected: number }> {
    const t0 = Date.now();
    const sends: Promise<boolean>[] = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * overMs) / count;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      sends.push(this.dm(this.randomSender(), to, true));
    }
    const results = await Promise.all(sends);
    return { accepted: results.filter(Boolean).length, rejected: results.filter((r) => !r).length };
  }

  /** Resolves once every request sent before `t` has been answered (or timed out). */
  async settledBefore(t: number): Promise<void> {
    while ([...this.pending.values()].some((sentAt) => sentAt < t)) await sleep(50);
  }

  itemsBetween(from: number, to: number): SentItem[] {
    return this.items.filter((i) => i.sentAt >= from && i.sentAt < to);
  }

  rejectedBetween(from: number, to: number): Rejected[] {
    return this.rejected.filter((r) => r.at >= from && r.at < to);
  }

  private gateway(): number {
    this.rr = (this.rr + 1) % this.gateways.length;
    return this.rr;
  }

  private randomSender(): ChaosUser {
    return this.pop.senders[Math.floor(Math.random() * this.pop.senders.length)]!;
  }

  private async post(): Promise<void> {
    const gw = this.gateway();
    const sentAt = Date.now();
    const text = `chaos post ${sentAt}`;
    const res = await this.call(gw, '/api/v1/posts', this.pop.author, { text });
    if (typeof res === 'object') this.items.push({ kind: 'post', objectId: res.post.id, sentAt, acceptedAt: Date.now(), gateway: gw });
    else this.rejected.push({ kind: 'post', at: sentAt, status: res });
  }

  private async dm(from: ChaosUser, to: ChaosUser, force = false): Promise<boolean> {
    if (!force && this.inFlight >= this.opts.maxInFlight) {
      this.skipped++;
      return false;
    }
    this.inFlight++;
    try {
      const gw = this.gateway();
      const sentAt = Date.now();
      const res = await this.call(gw, '/api/v1/messages', from, { toUserId: to.id, text: `chaos dm ${sentAt}` });
      if (typeof res === 'object') {
        this.items.push({ kind: 'dm', objectId: res.message.id, sentAt, acceptedAt: Date.now(), to: to.id, gateway: gw });
        return true;
      }
      this.rejected.push({ kind: 'dm', at: sentAt, status: res });
      return false;
    } finally {
      this.inFlight--;
    }
  }

  private async postLoop(): Promise<void> {
    let next = Date.now();
    const pending = new Set<Promise<void>>();
    while (this.running) {
      if (!this.paused) {
        const p = this.post().finally(() => pending.delete(p));
        pending.add(p);
      }
      next += this.opts.postEveryMs;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else next = Date.now();
    }
    await Promise.all(pending);
  }

  private async dmLoop(): Promise<void> {
    const live = this.pop.live;
    // Credit accrues at the current rate (which a scenario may lower for a while).
    let credit = 0;
    let last = Date.now();
    while (this.running) {
      const now = Date.now();
      credit += ((now - last) / 1000) * this.opts.dmRate;
      last = now;
      if (this.paused) credit = 0;
      // After a stall (an outage), do not burst to catch up more than a second's worth.
      credit = Math.min(credit, Math.max(1, this.opts.dmRate));
      while (credit >= 1) {
        credit--;
        void this.dm(this.randomSender(), live[Math.floor(Math.random() * live.length)]!);
      }
      await sleep(5);
    }
  }

  private async call(gw: number, path: string, user: ChaosUser, body: unknown): Promise<any | number | string> {
    const key = Symbol();
    this.pending.set(key, Date.now());
    try {
      const res = await fetch(`${this.gateways[gw]}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (res.status !== 201) {
        await res.body?.cancel();
        return res.status;
      }
      return await res.json();
    } catch (err) {
      return (err as Error).name === 'TimeoutError' ? 'timeout' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
    } finally {
      this.pending.delete(key);
    }
  }
}
