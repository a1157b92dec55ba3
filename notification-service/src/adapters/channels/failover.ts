import { performance } from 'node:perf_hooks';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import {
  ChannelSendError,
  RATE_LIMITED,
  SendFailure,
  type AttemptRecord,
  type ChannelProvider,
  type ChannelSender,
  type OutboundMessage,
  type OutOfBandChannel,
  type SentReceipt,
} from '../../domain/channels.js';

export type BreakerState = ReturnType<ChannelSender['breakerStates']>[string];

export interface FailoverOptions {
  /** Consecutive transient failures that open a provider's breaker. */
  failureThreshold?: number;
  /** How long an open breaker skips its provider before letting one trial send through. */
  halfOpenAfterMs?: number;
  /** Told of every breaker transition, for logs and metrics. */
  onBreakerStateChange?: (provider: string, state: BreakerState) => void;
  /**
   * Waits for the provider's rate-limit slot before each send (channels/provider-pace.ts); throws
   * ChannelSendError `rate_limited` when the slot is too far away.
   */
  pace?: (provider: string, urgent: boolean) => Promise<void>;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

interface Guarded {
  provider: ChannelProvider;
  breaker: CircuitBreakerPolicy;
}

/**
 * A channel's providers in order of preference, each behind its own circuit breaker. A transient
 * failure or an open breaker moves on to the next provider; an `address` or `permanent` failure
 * ends the send at once, since another provider would get the same answer, and it does not count
 * against the breaker (the provider did its job).
 */
export function createFailoverSender(channel: OutOfBandChannel, providers: readonly ChannelProvider[], opts: FailoverOptions = {}): ChannelSender {
  if (providers.length === 0) throw new Error(`no providers for channel ${channel}`);
  const names = providers.map((p) => p.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`provider name ${duplicate} used twice for channel ${channel}`);

  // Only failures that say the provider is unwell trip its breaker: a transient answer about one
  // recipient (`*_recipient`, e.g. SMTP greylisting at RCPT TO) moves on without counting.
  const onlyTransient = handleWhen((err) => err instanceof ChannelSendError && err.kind === 'transient' && !err.errorClass.endsWith('_recipient'));
  const pace = opts.pace;
  const guarded: Guarded[] = providers.map((provider) => {
    const breaker = circuitBreaker(onlyTransient, {
      halfOpenAfter: opts.halfOpenAfterMs ?? 30_000,
      breaker: new ConsecutiveBreaker(opts.failureThreshold ?? 5),
    });
    if (opts.onBreakerStateChange) {
      const notify = opts.onBreakerStateChange;
      breaker.onStateChange((state) => notify(provider.name, STATE_NAMES[state]));
    }
    return { provider, breaker };
  });

  return {
    channel,

    async send(message: OutboundMessage, sendOpts: { urgent?: boolean } = {}): Promise<SentReceipt & { attempts: AttemptRecord[] }> {
      const attempts: AttemptRecord[] = [];
      let retryAfterMs: number | undefined;
      let last: { errorClass: string; message: string } = { errorClass: 'no_provider', message: 'no provider tried' };

      for (const { provider, breaker } of guarded) {
        let started = performance.now();
        const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
        try {
          // The rate-limit slot is taken outside the breaker, so a deferral never counts as the
          // half-open trial, and not while the breaker is open (the provider would not be asked).
          // The attempt's latency (and the send time derived from it) starts after the wait.
          if (pace && breaker.state !== CircuitState.Open) {
            await pace(provider.name, sendOpts.urgent ?? false);
            started = performance.now();
          }
          const receipt = await breaker.execute(() => sendAsPort(provider, message));
          attempts.push({ provider: provider.name, outcome: 'sent', latencyMs: elapsed() });
          return { ...receipt, attempts };
        } catch (err) {
          // Cockatiel's IsolatedCircuitError extends BrokenCircuitError: both mean "not tried".
          if (err instanceof BrokenCircuitError) {
            const skipped = `circuit breaker for ${provider.name} is open`;
            attempts.push({ provider: provider.name, outcome: 'breaker_open', errorClass: 'breaker_open', error: skipped, latencyMs: elapsed() });
            last = { errorClass: 'breaker_open', message: skipped };
            continue;
          }
          const failure = err as ChannelSendError;
          // The provider's pace has no slot soon enough: the whole send waits for it, not the next
          // provider (a fallback is for a provider in trouble, not for one we hold back ourselves).
          if (failure.errorClass === RATE_LIMITED) throw new SendFailure('transient', RATE_LIMITED, failure.message, attempts, failure.retryAfterMs);
          attempts.push({ provider: provider.name, outcome: failure.kind, errorClass: failure.errorClass, error: failure.message, latencyMs: elapsed() });
          if (failure.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, failure.retryAfterMs);
          if (failure.kind !== 'transient') {
            throw new SendFailure(failure.kind, failure.errorClass, failure.message, attempts, retryAfterMs);
          }
          last = { errorClass: failure.errorClass, message: failure.message };
        }
      }
      // Only transient failures and open breakers get here: worth trying again later.
      throw new SendFailure('transient', last.errorClass, last.message, attempts, retryAfterMs);
    },

    breakerStates() {
      return Object.fromEntries(guarded.map(({ provider, breaker }) => [provider.name, STATE_NAMES[breaker.state]]));
    },

    async close() {
      await Promise.all(guarded.map(({ provider }) => provider.close?.()));
    },
  };
}

/** A provider that throws something other than ChannelSendError has a bug; it counts as transient so the next provider gets a chance. */
async function sendAsPort(provider: ChannelProvider, message: OutboundMessage): Promise<SentReceipt> {
  try {
    return await provider.send(message);
  } catch (err) {
    if (err instanceof ChannelSendError) throw err;
    throw new ChannelSendError('transient', 'unexpected', err instanceof Error ? err.message : String(err), provider.name);
  }
}
