import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ChannelMetrics } from '../app/send-delivery.js';
import type { ChannelStore } from '../domain/channel-ports.js';
import { ENABLED_OUT_OF_BAND_CHANNELS, type ChannelSender, type OutOfBandChannel } from '../domain/channels.js';

/**
 * The channel series on /metrics (docs/operations.md says what to alert on). Counters start at zero
 * for every enabled channel; the gauges are read from PostgreSQL when scraped, so every instance
 * reports the shared truth (a stalled worker shows as a growing oldest-due age).
 */
export function channelMetrics(registry: Registry, store: ChannelStore, senders: () => ReadonlyMap<OutOfBandChannel, ChannelSender>): ChannelMetrics {
  const attempts = new Counter({ name: 'herald_channel_attempts_total', help: 'Attempts against a provider, by channel, provider and outcome', labelNames: ['channel', 'provider', 'outcome', 'error_class'], registers: [registry] });
  const latency = new Histogram({ name: 'herald_channel_send_seconds', help: 'Time one provider took to answer', labelNames: ['channel', 'provider'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const outcomes = new Counter({ name: 'herald_channel_deliveries_total', help: 'Delivery outcomes per channel (sent, retry, failed, bounced, cancelled; deferred: waiting for a provider rate limit)', labelNames: ['channel', 'outcome'], registers: [registry] });
  const ambiguous = new Counter({ name: 'herald_ambiguous_sends_total', help: 'Deliveries claimed again after a worker died mid-send: each may have gone out twice', labelNames: ['channel'], registers: [registry] });
  const throttled = new Counter({ name: 'herald_channel_throttled_total', help: 'Deliveries over the person\'s throttle: held for their next digest (outcome="digest") or skipped with reason throttled', labelNames: ['channel', 'outcome'], registers: [registry] });
  for (const channel of ENABLED_OUT_OF_BAND_CHANNELS) {
    ambiguous.inc({ channel }, 0);
    for (const outcome of ['sent', 'retry', 'failed', 'bounced', 'cancelled', 'deferred']) outcomes.inc({ channel, outcome }, 0);
    for (const outcome of ['digest', 'skipped']) throttled.inc({ channel, outcome }, 0);
  }
  new Gauge({
    name: 'herald_channel_oldest_due_seconds',
    help: 'Age of the oldest due item per channel ("timer" = fallback timers not yet swept)',
    labelNames: ['channel'],
    registers: [registry],
    async collect() {
      this.reset();
      const ages = await store.oldestDueAgeSeconds(new Date()).catch(() => ({}) as Record<string, number>);
      for (const channel of [...ENABLED_OUT_OF_BAND_CHANNELS, 'timer']) this.set({ channel }, ages[channel] ?? 0);
    },
  });
  new Gauge({
    name: 'herald_channel_dead_letters',
    help: 'Dead letters not yet replayed',
    registers: [registry],
    async collect() {
      this.set(await store.deadLetterDepth().catch(() => 0));
    },
  });
  new Gauge({
    name: 'herald_channel_breaker_open',
    help: 'Circuit breaker state per provider: 0 closed, 0.5 half-open, 1 open or isolated',
    labelNames: ['channel', 'provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [channel, sender] of senders()) {
        for (const [provider, state] of Object.entries(sender.breakerStates())) this.set({ channel, provider }, state === 'closed' ? 0 : state === 'half_open' ? 0.5 : 1);
      }
    },
  });
  new Gauge({
    name: 'herald_out_of_band_after_read_ratio',
    help: 'Share of out-of-band messages sent in the last day for items already read when they went out',
    registers: [registry],
    async collect() {
      const { sent, afterRead } = await store.sentAfterRead().catch(() => ({ sent: 0, afterRead: 0 }));
      this.set(sent === 0 ? 0 : afterRead / sent);
    },
  });
  return {
    attempt(channel, record) {
      attempts.inc({ channel, provider: record.provider, outcome: record.outcome, error_class: record.errorClass ?? '' });
      if (record.outcome !== 'breaker_open') latency.observe({ channel, provider: record.provider }, record.latencyMs / 1000);
    },
    outcome: (channel, outcome) => outcomes.inc({ channel, outcome }),
    ambiguousSend: (channel) => ambiguous.inc({ channel }),
    throttled: (channel, outcome) => throttled.inc({ channel, outcome }),
  };
}

/** Sends that waited for a provider's rate-limit slot, and those deferred because it was too far away. */
export function providerPaceCounter(registry: Registry, providers: readonly string[]): (provider: string, outcome: 'waited' | 'deferred') => void {
  const paced = new Counter({ name: 'herald_provider_paced_total', help: 'Sends held back by a provider rate limit (PROVIDER_RATE_<NAME>): waited for their slot, or deferred (still queued) because it was too far away', labelNames: ['provider', 'outcome'], registers: [registry] });
  for (const provider of providers) for (const outcome of ['waited', 'deferred']) paced.inc({ provider, outcome }, 0);
  return (provider, outcome) => paced.inc({ provider, outcome });
}

/** Opens and clicks by whether they were counted: mail proxies and link scanners are flagged, not counted. */
export function trackingCounter(registry: Registry): (kind: 'open' | 'click', counted: boolean) => void {
  const requests = new Counter({ name: 'herald_tracking_requests_total', help: 'Tracking pixel and link requests; counted="false" were mail proxies or scanners (flagged, never a status or a read)', labelNames: ['kind', 'counted'], registers: [registry] });
  for (const kind of ['open', 'click']) for (const counted of ['true', 'false']) requests.inc({ kind, counted }, 0);
  return (kind, counted) => requests.inc({ kind, counted: String(counted) });
}
