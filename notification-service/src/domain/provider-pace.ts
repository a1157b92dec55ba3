import type { RateLimit } from './throttle.js';

/**
 * Per-provider rate limits (docs/channels.md "Provider rate limits"): every send through a
 * provider takes the next free slot of its pace, slots `windowMs / max` apart, and waits for it;
 * a burst is spread out instead of tripping the provider's 429s. This is the generic cell rate
 * algorithm (GCRA) with no burst allowance: the whole state is one instant, the next free slot, so
 * it fits one Redis key shared by every instance (adapters/redis-pace-store.ts mirrors this
 * function in Lua) or one number in memory.
 */

export type PaceAnswer =
  /** Go after `waitMs`; the slot is taken (`nextFreeAt` is the state to keep). */
  | { go: true; waitMs: number; nextFreeAt: number }
  /** The next free slot is more than `maxWaitMs` away: nothing taken; come back in `retryAfterMs`. */
  | { go: false; retryAfterMs: number };

export interface PaceRequest {
  intervalMs: number;
  /** The longest a send may wait in the worker (it holds a claim meanwhile); beyond it, it is deferred. */
  maxWaitMs: number;
  /** Critical: takes a slot without waiting, so it never queues behind a backlog; the pace still counts it. */
  urgent: boolean;
}

/** Milliseconds between two sends at this rate. */
export const paceIntervalMs = (rate: RateLimit) => rate.windowMs / rate.max;

/** One reservation at `now` against the provider's next free slot (undefined: idle). */
export function reserveSlot(nextFreeAt: number | undefined, now: number, req: PaceRequest): PaceAnswer {
  const free = Math.max(nextFreeAt ?? now, now);
  if (req.urgent) return { go: true, waitMs: 0, nextFreeAt: free + req.intervalMs };
  const waitMs = free - now;
  if (waitMs > req.maxWaitMs) return { go: false, retryAfterMs: waitMs - req.maxWaitMs };
  return { go: true, waitMs, nextFreeAt: free + req.intervalMs };
}

/** Where each provider's next free slot is kept: Redis (every instance shares it) or memory. */
export interface PaceStore {
  reserve(provider: string, req: PaceRequest): Promise<PaceAnswer>;
}
