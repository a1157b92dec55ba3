import { performance } from 'node:perf_hooks';
import type { Logger } from '@herald/platform';
import { MemoryPaceStore } from '../adapters/memory-pace-store.js';
import { ChannelSendError, RATE_LIMITED } from '../domain/channels.js';
import type { PaceAnswer, PaceStore } from '../domain/provider-pace.js';
import type { RateLimit } from '../domain/throttle.js';

/**
 * Waits, before a send through a provider, for that provider's next free slot (PROVIDER_RATE_<NAME>,
 * docs/channels.md "Provider rate limits"); a provider without a rate goes at once. Throws
 * ChannelSendError `rate_limited` (transient, never counted against the breaker) when the slot is
 * further away than `maxWaitMs`: the worker then defers the delivery, still queued, to when the
 * pace has room, without spending an attempt.
 */
export type ProviderPace = (provider: string, urgent: boolean) => Promise<void>;

export interface ProviderPaceOptions {
  rates: Readonly<Record<string, RateLimit>>;
  /** Shared by every instance (Redis) in standalone mode; this process's own otherwise. */
  store: PaceStore;
  /** The longest a send waits in the worker, holding its claim: well inside CHANNEL_CLAIM_LEASE_MS. */
  maxWaitMs: number;
  logger: Logger;
  /** Counts each wait and each deferral, per provider (herald_provider_paced_total). */
  count?: (provider: string, outcome: 'waited' | 'deferred') => void;
  sleep?: (ms: number) => Promise<void>;
  /** A monotonic clock in ms (tests). */
  now?: () => number;
}

/** How long a send may wait for its slot: a quarter of the claim lease, at most 15 s. */
export const paceMaxWaitMs = (leaseMs: number) => Math.min(15_000, Math.floor(leaseMs / 4));

export function createProviderPace(opts: ProviderPaceOptions): ProviderPace | undefined {
  if (Object.keys(opts.rates).length === 0) return undefined;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = opts.now ?? (() => performance.now());
  // While the shared store cannot answer (Redis away), each instance paces itself alone: sends go
  // on, at worst at the rate times the number of instances, rather than stopping every channel.
  const local = new MemoryPaceStore();
  let degraded = false;

  const reserve = async (provider: string, req: Parameters<PaceStore['reserve']>[1]): Promise<PaceAnswer> => {
    try {
      const answer = await opts.store.reserve(provider, req);
      if (degraded) opts.logger.info('provider pace is shared again');
      degraded = false;
      return answer;
    } catch (err) {
      if (!degraded) opts.logger.warn({ err: err instanceof Error ? err.message : err }, 'provider pace store unreachable: each instance paces itself until it is back');
      degraded = true;
      return local.reserve(provider, req);
    }
  };

  return async (provider, urgent) => {
    const rate = opts.rates[provider];
    if (!rate) return;
    // Whole milliseconds, rounded up: the pace is never faster than the rate.
    const intervalMs = Math.max(1, Math.ceil(rate.windowMs / rate.max));
    const asked = now();
    const answer = await reserve(provider, { intervalMs, maxWaitMs: opts.maxWaitMs, urgent });
    if (!answer.go) {
      opts.count?.(provider, 'deferred');
      throw new ChannelSendError('transient', RATE_LIMITED, `${provider} is at its rate limit; next free slot in ${answer.retryAfterMs + opts.maxWaitMs} ms`, provider, answer.retryAfterMs);
    }
    if (answer.waitMs > 0) {
      opts.count?.(provider, 'waited');
      // The slot is `waitMs` after the store was asked, not after its answer was read: a reply
      // read late (a busy event loop) must not push this send closer to the next one.
      const left = answer.waitMs - (now() - asked);
      if (left > 0) await sleep(left);
    }
  };
}
