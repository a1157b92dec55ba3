import type { Registry } from 'prom-client';
import type { EventBus, IncomingMessage, MessageHandler, OutgoingMessage, SubscribeOptions, Subscription } from './types.js';
import { BusMetrics } from './bus-metrics.js';
import { silentLogger, type BusLogger } from './logger.js';
import { settleWithin } from './settle.js';
import { topicMatches } from './topic.js';
import {
  decide,
  encodeBody,
  readAttempt,
  readRoutingKey,
  type ResolvedSubscribeOptions,
  resolveSubscribeOptions,
} from './redelivery-policy.js';

export interface MemoryEventBusOptions {
  exchange?: string;
  logger?: BusLogger;
  registry?: Registry;
  /** How long cancel()/close() wait for running handlers before handing their messages back to the queue. */
  drainTimeoutMs?: number;
}

/** A message as stored in a queue: bodies are kept as JSON text so no two consumers share an object. */
interface Envelope {
  routingKey: string;
  messageId?: string;
  content: string;
  headers: Record<string, unknown>;
  redelivered: boolean;
}

export interface DeadLetter {
  routingKey: string;
  messageId?: string;
  /** The body exactly as received (it may not be JSON: that can be why it is here). */
  content: string;
  headers: Record<string, unknown>;
}

interface Delivery {
  envelope: Envelope;
  /** Set when cancel() gave the message back to the queue: a late outcome must then be ignored. */
  abandoned: boolean;
  done?: Promise<void>;
}

interface Consumer {
  options: ResolvedSubscribeOptions;
  handler: MessageHandler;
  deliveries: Set<Delivery>;
  active: boolean;
}

interface Queue {
  name: string;
  bindings: Set<string>;
  ready: Envelope[];
  consumers: Consumer[];
  deadLetters: Envelope[];
  /** Deliveries that have ended: acked, handed to a retry, or dead-lettered. */
  handled: number;
  nextConsumer: number;
  pumpScheduled: boolean;
}

/**
 * The in-process bus of the embedded mode. It mirrors AmqpEventBus: one topic exchange, durable
 * queues that exist from their first subscribe (earlier messages are dropped, as an unbound exchange
 * drops them), a copy per queue, manual ack with per-consumer prefetch, retries that return to the
 * failing queue only, and a dead-letter list per queue. Nothing survives the process, by design.
 */
export class MemoryEventBus implements EventBus {
  private readonly exchange: string;
  private readonly logger: BusLogger;
  private readonly metrics: BusMetrics;
  private readonly drainTimeoutMs: number;
  private readonly queues = new Map<string, Queue>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(options: MemoryEventBusOptions = {}) {
    this.exchange = options.exchange ?? 'herald.events';
    this.logger = options.logger ?? silentLogger;
    this.metrics = new BusMetrics(options.registry);
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5000;
    this.metrics.initExchange(this.exchange);
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    // Encode the whole batch first so a bad message rejects it before any copy is routed.
    const envelopes = messages.map<Envelope>((m) => ({
      routingKey: m.routingKey,
      messageId: m.messageId,
      content: encodeBody(m.body),
      headers: { ...m.headers },
      redelivered: false,
    }));
    for (const envelope of envelopes) this.route(envelope);
    this.metrics.onPublished(this.exchange, envelopes.length);
  }

  /** Publishes bytes that may not be JSON, as a foreign producer could; for tests and bridges. */
  async publishRaw(routingKey: string, content: string | Buffer, props: { messageId?: string; headers?: Record<string, string> } = {}): Promise<void> {
    this.assertOpen();
    this.route({ routingKey, messageId: props.messageId, content: content.toString(), headers: { ...props.headers }, redelivered: false });
  }

  async subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    this.assertOpen();
    const resolved = resolveSubscribeOptions(options);
    const queue = this.declareQueue(resolved.queue);
    // Bindings accumulate like AMQP bindings do: a subscribe never unbinds what an earlier one bound.
    for (const binding of resolved.bindings) queue.bindings.add(binding);
    this.metrics.initQueue(queue.name);
    const consumer: Consumer = { options: resolved, handler, deliveries: new Set(), active: true };
    queue.consumers.push(consumer);
    const subscription: Subscription = {
      cancel: async () => {
        this.subscriptions.delete(subscription);
        await this.cancelConsumer(queue, consumer);
      },
    };
    this.subscriptions.add(subscription);
    this.schedulePump(queue);
    return subscription;
  }

  async check(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.cancel()));
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  /**
   * How many deliveries of a queue have ended (acked, handed to a retry, or dead-lettered): what a
   * test waits for instead of sleeping, to know a message it published was handled, whatever the outcome.
   */
  handled(queue: string): number {
    return this.queues.get(queue)?.handled ?? 0;
  }

  /** The dead letters of a queue, oldest first (the embedded stand-in for reading `<queue>.dlq`). */
  deadLetters(queue: string): DeadLetter[] {
    return (this.queues.get(queue)?.deadLetters ?? []).map((e) => ({
      routingKey: readRoutingKey(e.headers, e.routingKey),
      messageId: e.messageId,
      content: e.content,
      headers: { ...e.headers },
    }));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event bus is closed');
  }

  private declareQueue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { name, bindings: new Set(), ready: [], consumers: [], deadLetters: [], handled: 0, nextConsumer: 0, pumpScheduled: false };
      this.queues.set(name, queue);
    }
    return queue;
  }

  private route(envelope: Envelope): void {
    for (const queue of this.queues.values()) {
      if ([...queue.bindings].some((pattern) => topicMatches(pattern, envelope.routingKey))) {
        queue.ready.push({ ...envelope, headers: { ...envelope.headers } });
        this.schedulePump(queue);
      }
    }
  }

  // Deliveries start on a later turn of the event loop, never inside publish(), as with a broker.
  private schedulePump(queue: Queue): void {
    if (queue.pumpScheduled || this.closed) return;
    queue.pumpScheduled = true;
    setImmediate(() => {
      queue.pumpScheduled = false;
      if (!this.closed) this.pump(queue);
    });
  }

  private pump(queue: Queue): void {
    while (queue.ready.length > 0) {
      const consumer = this.nextFreeConsumer(queue);
      if (!consumer) return;
      const envelope = queue.ready.shift() as Envelope;
      const delivery: Delivery = { envelope, abandoned: false };
      consumer.deliveries.add(delivery);
      delivery.done = this.deliver(queue, consumer, delivery);
    }
  }

  /** Round-robin among consumers below their prefetch, like competing AMQP consumers. */
  private nextFreeConsumer(queue: Queue): Consumer | undefined {
    const count = queue.consumers.length;
    for (let i = 0; i < count; i++) {
      const index = (queue.nextConsumer + i) % count;
      const consumer = queue.consumers[index] as Consumer;
      if (consumer.deliveries.size < consumer.options.prefetch) {
        queue.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private async deliver(queue: Queue, consumer: Consumer, delivery: Delivery): Promise<void> {
    const { envelope } = delivery;
    const routingKey = readRoutingKey(envelope.headers, envelope.routingKey);
    const attempt = readAttempt(envelope.headers);
    this.metrics.onConsumed(queue.name);
    let body: unknown;
    let invalidJson = false;
    let error: unknown;
    try {
      body = JSON.parse(envelope.content);
    } catch (parseError) {
      invalidJson = true;
      error = parseError;
    }
    if (!invalidJson) {
      const message: IncomingMessage = {
        routingKey,
        messageId: envelope.messageId,
        body,
        attempt,
        headers: { ...envelope.headers },
        redelivered: envelope.redelivered,
      };
      try {
        await consumer.handler(message);
      } catch (handlerError) {
        error = handlerError ?? new Error('handler failed');
      }
    }
    if (delivery.abandoned) return;
    consumer.deliveries.delete(delivery);
    queue.handled += 1;
    if (error === undefined) {
      this.metrics.onAcked(queue.name);
    } else {
      this.fail(queue, envelope, decide({ headers: envelope.headers, routingKey, attempt, error, retryDelaysMs: consumer.options.retryDelaysMs, invalidJson }), error);
    }
    this.schedulePump(queue);
  }

  private fail(queue: Queue, envelope: Envelope, verdict: ReturnType<typeof decide>, error: unknown): void {
    const failed = { queue: queue.name, messageId: envelope.messageId, err: error };
    if (verdict.action === 'retry') {
      this.metrics.onRetried(queue.name);
      this.logger.warn({ ...failed, delayMs: verdict.delayMs }, 'bus handler failed; retrying after delay');
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        queue.ready.push({ ...envelope, headers: verdict.headers, redelivered: false });
        this.schedulePump(queue);
      }, verdict.delayMs);
      this.retryTimers.add(timer);
    } else {
      this.metrics.onDeadLettered(queue.name, verdict.reason);
      this.logger.error({ ...failed, reason: verdict.reason }, 'bus message dead-lettered');
      queue.deadLetters.push({ ...envelope, headers: verdict.headers });
    }
  }

  private async cancelConsumer(queue: Queue, consumer: Consumer): Promise<void> {
    if (!consumer.active) return;
    consumer.active = false;
    queue.consumers = queue.consumers.filter((c) => c !== consumer);
    await settleWithin(Promise.all([...consumer.deliveries].map((d) => d.done)), this.drainTimeoutMs);
    // Handlers still running lose their message to the queue, as a closed AMQP channel requeues its unacked ones.
    const unfinished = [...consumer.deliveries];
    consumer.deliveries.clear();
    for (const delivery of unfinished) delivery.abandoned = true;
    queue.ready.unshift(...unfinished.map((d) => ({ ...d.envelope, redelivered: true })));
    if (unfinished.length > 0) this.schedulePump(queue);
  }
}
