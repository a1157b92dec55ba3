import { Counter, Registry } from 'prom-client';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from './redelivery-policy.js';

/** The bus counters. Reused when already in the registry, so several buses can report into one. */
export class BusMetrics {
  private readonly consumed: Counter<'queue'>;
  private readonly acked: Counter<'queue'>;
  private readonly retried: Counter<'queue'>;
  private readonly deadLettered: Counter<'queue' | 'reason'>;
  private readonly published: Counter<'exchange'>;
  private readonly publishFailed: Counter<'exchange'>;

  // Without a registry the counters still work, but in a private one: the global registry would
  // collide when a process hosts several services, and those pass their own.
  constructor(registry: Registry = new Registry()) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
      (registry.getSingleMetric(name) as Counter<L> | undefined) ??
      new Counter({ name, help, labelNames, registers: [registry] });
    this.consumed = counter('bus_messages_consumed_total', 'Messages delivered to a handler', ['queue']);
    this.acked = counter('bus_messages_acked_total', 'Messages whose handler succeeded and were acked', ['queue']);
    this.retried = counter('bus_messages_retried_total', 'Failed messages sent to a retry delay', ['queue']);
    this.deadLettered = counter('bus_messages_dead_lettered_total', 'Messages moved to the dead-letter queue', [
      'queue',
      'reason',
    ]);
    this.published = counter('bus_messages_published_total', 'Messages confirmed by the broker', ['exchange']);
    this.publishFailed = counter('bus_publish_failures_total', 'Publish batches that were rejected', ['exchange']);
  }

  /** Series start at zero so rate() and absent-value alerts work before the first message. */
  initQueue(queue: string): void {
    this.consumed.inc({ queue }, 0);
    this.acked.inc({ queue }, 0);
    this.retried.inc({ queue }, 0);
    for (const reason of DEAD_LETTER_REASONS) this.deadLettered.inc({ queue, reason }, 0);
  }

  initExchange(exchange: string): void {
    this.published.inc({ exchange }, 0);
    this.publishFailed.inc({ exchange }, 0);
  }

  onConsumed(queue: string): void {
    this.consumed.inc({ queue });
  }
  onAcked(queue: string): void {
    this.acked.inc({ queue });
  }
  onRetried(queue: string): void {
    this.retried.inc({ queue });
  }
  onDeadLettered(queue: string, reason: DeadLetterReason): void {
    this.deadLettered.inc({ queue, reason });
  }
  onPublished(exchange: string, count: number): void {
    this.published.inc({ exchange }, count);
  }
  onPublishFailed(exchange: string): void {
    this.publishFailed.inc({ exchange });
  }
}
