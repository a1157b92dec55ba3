import type { ChannelModel, ConfirmChannel, ConsumeMessage, MessageProperties, Options } from 'amqplib';
import type { IncomingMessage, MessageHandler, Subscription } from './types.js';
import type { BusMetrics } from './bus-metrics.js';
import { errorMessage, type BusLogger } from './logger.js';
import { ConfirmedPublisher } from './amqp-confirm.js';
import { assertSubscriptionTopology, deadLetterQueueName, retryQueueName } from './amqp-topology.js';
import { backoffDelay } from './backoff.js';
import { settleWithin } from './settle.js';
import { decide, readAttempt, readRoutingKey, type ResolvedSubscribeOptions } from './redelivery-policy.js';

export interface AmqpSubscriptionContext {
  exchange: string;
  logger: BusLogger;
  metrics: BusMetrics;
  confirmTimeoutMs: number;
  drainTimeoutMs: number;
  deliveryLimit: number;
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  /** The bus's live connection, if any (a lost channel is reopened on it). */
  currentConnection(): ChannelModel | undefined;
  onCancelled(subscription: AmqpSubscription): void;
}

/**
 * One consumer on its own confirm channel. Retry and dead-letter copies are published on that same
 * channel and the original is acked only once the copy is confirmed, so a crash in between leaves the
 * original unacked (redelivered) rather than lost.
 */
export class AmqpSubscription implements Subscription {
  private connection?: ChannelModel;
  private channel?: ConfirmChannel;
  private consumerTag?: string;
  private attaching?: Promise<void>;
  private reattachTimer?: NodeJS.Timeout;
  private failures = 0;
  private cancelled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly options: ResolvedSubscribeOptions,
    private readonly handler: MessageHandler,
    private readonly ctx: AmqpSubscriptionContext,
  ) {}

  /** Declares the topology and starts consuming on `connection`; a no-op if already done on it. */
  attach(connection: ChannelModel): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    if (this.connection === connection && this.attaching) return this.attaching;
    this.connection = connection;
    this.channel = undefined;
    const attaching = this.open(connection).then(
      () => {
        this.failures = 0;
      },
      (error: unknown) => {
        if (this.connection === connection) this.connection = undefined;
        throw error;
      },
    );
    this.attaching = attaching;
    return attaching;
  }

  /** Retries attach() later on whatever connection the bus then has. */
  scheduleReattach(): void {
    if (this.cancelled || this.reattachTimer) return;
    const delay = backoffDelay(this.ctx.reconnectDelayMs, this.failures++, this.ctx.maxReconnectDelayMs);
    this.reattachTimer = setTimeout(() => {
      this.reattachTimer = undefined;
      const connection = this.ctx.currentConnection();
      // Without a connection the bus re-attaches every subscription once it has reconnected.
      if (!connection || this.cancelled) return;
      this.attach(connection).catch((error: unknown) => {
        this.ctx.logger.error({ queue: this.options.queue, err: error }, 'bus could not resume subscription');
        this.scheduleReattach();
      });
    }, delay);
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    clearTimeout(this.reattachTimer);
    this.ctx.onCancelled(this);
    // Each step is bounded: on a hung connection the broker would never answer.
    const { drainTimeoutMs } = this.ctx;
    if (this.attaching) await settleWithin(this.attaching, drainTimeoutMs);
    const { channel, consumerTag } = this;
    // Stop new deliveries first, give running handlers a moment to finish and ack, then close:
    // whatever is still unacked goes back to the queue for another consumer.
    if (channel && consumerTag) await settleWithin(channel.cancel(consumerTag), drainTimeoutMs);
    await settleWithin(Promise.all(this.inFlight), drainTimeoutMs);
    if (channel) await settleWithin(channel.close(), drainTimeoutMs);
    this.channel = undefined;
    this.connection = undefined;
  }

  private async open(connection: ChannelModel): Promise<void> {
    const { queue, prefetch } = this.options;
    const channel = await connection.createConfirmChannel();
    // An 'error' event without a listener would crash the process; the 'close' that follows is what we act on.
    channel.on('error', (error: unknown) => this.ctx.logger.warn({ queue, err: error }, 'bus consumer channel error'));
    channel.on('close', () => this.onChannelClosed(connection, channel));
    const publisher = new ConfirmedPublisher(channel, this.ctx.confirmTimeoutMs);
    try {
      await assertSubscriptionTopology(channel, this.ctx.exchange, this.options, this.ctx.deliveryLimit);
      await channel.prefetch(prefetch);
      const { consumerTag } = await channel.consume(queue, (message) => this.onMessage(channel, publisher, message), {
        noAck: false,
      });
      this.channel = channel;
      this.consumerTag = consumerTag;
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    if (this.cancelled) await channel.close().catch(() => undefined);
    else this.ctx.logger.info({ queue }, 'bus subscription consuming');
  }

  private onChannelClosed(connection: ChannelModel, channel: ConfirmChannel): void {
    // A channel that dies inside open() is reported by attach() to whoever called it.
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.consumerTag = undefined;
    if (this.cancelled || this.connection !== connection) return;
    this.connection = undefined;
    this.attaching = undefined;
    // The channel alone may have died (e.g. its queue was deleted) while the connection lives on.
    this.scheduleReattach();
  }

  private onMessage(channel: ConfirmChannel, publisher: ConfirmedPublisher, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (queue deleted): reopening the channel declares the queue again.
      this.ctx.logger.warn({ queue: this.options.queue }, 'bus consumer cancelled by the broker');
      channel.close().catch(() => undefined);
      return;
    }
    const work = this.handle(channel, publisher, message);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handle(channel: ConfirmChannel, publisher: ConfirmedPublisher, message: ConsumeMessage): Promise<void> {
    const { queue, retryDelaysMs } = this.options;
    const headers: Record<string, unknown> = { ...message.properties.headers };
    const routingKey = readRoutingKey(headers, message.fields.routingKey);
    const attempt = readAttempt(headers);
    this.ctx.metrics.onConsumed(queue);
    let body: unknown;
    let error: unknown;
    let invalidJson = false;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch (parseError) {
      invalidJson = true;
      error = parseError;
    }
    if (!invalidJson) {
      const incoming: IncomingMessage = {
        routingKey,
        messageId: message.properties.messageId as string | undefined,
        body,
        attempt,
        headers,
        redelivered: message.fields.redelivered,
      };
      try {
        await this.handler(incoming);
      } catch (handlerError) {
        error = handlerError ?? new Error('handler failed');
      }
    }
    if (error === undefined) {
      if (this.settle(channel, message, 'ack')) this.ctx.metrics.onAcked(queue);
      return;
    }
    const verdict = decide({ headers: withoutDeathHeaders(headers), routingKey, attempt, error, retryDelaysMs, invalidJson });
    const target = verdict.action === 'retry' ? retryQueueName(queue, verdict.delayMs) : deadLetterQueueName(queue);
    const log = { queue, messageId: message.properties.messageId, routingKey, attempt, err: error };
    try {
      await publisher.publish('', target, message.content, copyProperties(message.properties, verdict.headers));
    } catch (publishError) {
      // Not stored anywhere yet: hand the message back to the queue. The queue's delivery limit
      // bounds how often this can repeat if the failure persists.
      this.ctx.logger.error({ ...log, target, publishError: errorMessage(publishError) }, 'bus could not store a failed message');
      this.settle(channel, message, 'requeue');
      return;
    }
    if (!this.settle(channel, message, 'ack')) return;
    if (verdict.action === 'retry') {
      this.ctx.metrics.onRetried(queue);
      this.ctx.logger.warn({ ...log, delayMs: verdict.delayMs }, 'bus handler failed; retrying after delay');
    } else {
      this.ctx.metrics.onDeadLettered(queue, verdict.reason);
      this.ctx.logger.error({ ...log, reason: verdict.reason }, 'bus message dead-lettered');
    }
  }

  /** False when the channel is gone: the broker then redelivers the message on its own. */
  private settle(channel: ConfirmChannel, message: ConsumeMessage, how: 'ack' | 'requeue'): boolean {
    try {
      if (how === 'ack') channel.ack(message);
      else channel.nack(message, false, true);
      return true;
    } catch {
      this.ctx.logger.debug({ queue: this.options.queue }, 'bus channel closed before settling; message will be redelivered');
      return false;
    }
  }
}

// RabbitMQ maintains these itself; echoing decoded copies back (with their types changed) only confuses it.
function withoutDeathHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !/^x-(death|first-death-|last-death-)/.test(name)),
  );
}

function copyProperties(props: MessageProperties, headers: Record<string, unknown>): Options.Publish {
  return {
    persistent: true,
    mandatory: true,
    headers,
    messageId: props.messageId as string | undefined,
    contentType: props.contentType as string | undefined,
    contentEncoding: props.contentEncoding as string | undefined,
    correlationId: props.correlationId as string | undefined,
    type: props.type as string | undefined,
    appId: props.appId as string | undefined,
    timestamp: props.timestamp as number | undefined,
  };
}
