import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Registry } from 'prom-client';
import type { EventBus, MessageHandler, OutgoingMessage, SubscribeOptions, Subscription } from './types.js';
import { BusMetrics } from './bus-metrics.js';
import { errorMessage, silentLogger, type BusLogger } from './logger.js';
import { AmqpSubscription, type AmqpSubscriptionContext } from './amqp-subscription.js';
import { backoffDelay } from './backoff.js';
import { settleWithin, withTimeout } from './settle.js';
import { encodeBody, resolveSubscribeOptions } from './redelivery-policy.js';

export interface AmqpEventBusOptions {
  url: string;
  /** Durable topic exchange; default 'herald.events'. */
  exchange?: string;
  logger?: BusLogger;
  registry?: Registry;
  /** First reconnect delay; it doubles (with jitter) up to maxReconnectDelayMs. Default 1000. */
  reconnectDelayMs?: number;
  /** The longest wait between reconnect attempts, so a broker that returns is found within it. Default 5000. */
  maxReconnectDelayMs?: number;
  /** A publish not confirmed within this rejects (the outbox retries it). Default 10000. */
  confirmTimeoutMs?: number;
  /** How long cancel()/close() wait for running handlers. Default 5000. */
  drainTimeoutMs?: number;
  /** Bound on opening a connection (TCP and AMQP handshake). Default 10000. */
  connectTimeoutMs?: number;
  /** Bound on check(), which backs /readyz. Default 3000. */
  checkTimeoutMs?: number;
  /** Used unless the URL sets ?heartbeat=; detects a silently dead socket. Default 10. */
  heartbeatSeconds?: number;
  /** Deliveries of one message before the broker dead-letters it itself (crash loops). Default 20. */
  deliveryLimit?: number;
  /** Shown in the RabbitMQ management UI. */
  connectionName?: string;
}

/**
 * RabbitMQ event bus. One connection holds a confirm channel for publishing and one confirm channel
 * per subscription. When the connection goes, publishing fails fast until it is back, and every
 * subscription is declared and consumed again on the new connection.
 */
export class AmqpEventBus implements EventBus {
  private readonly exchange: string;
  private readonly logger: BusLogger;
  private readonly metrics: BusMetrics;
  private readonly url: string;
  private readonly confirmTimeoutMs: number;
  private readonly checkTimeoutMs: number;
  private readonly context: AmqpSubscriptionContext;
  private readonly subscriptions = new Set<AmqpSubscription>();
  private connection?: ChannelModel;
  private publisher?: ConfirmChannel;
  private blockedReason?: string;
  private lastError?: string;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnecting?: Promise<void>;
  private failures = 0;
  private closing = false;

  private constructor(private readonly options: AmqpEventBusOptions) {
    this.exchange = options.exchange ?? 'herald.events';
    this.logger = options.logger ?? silentLogger;
    this.metrics = new BusMetrics(options.registry);
    this.url = withHeartbeat(options.url, options.heartbeatSeconds ?? 10);
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 3000;
    this.context = {
      exchange: this.exchange,
      logger: this.logger,
      metrics: this.metrics,
      confirmTimeoutMs: this.confirmTimeoutMs,
      drainTimeoutMs: options.drainTimeoutMs ?? 5000,
      deliveryLimit: options.deliveryLimit ?? 20,
      reconnectDelayMs: options.reconnectDelayMs ?? 1000,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5_000,
      currentConnection: () => this.connection,
      onCancelled: (subscription) => this.subscriptions.delete(subscription),
    };
    this.metrics.initExchange(this.exchange);
  }

  /** Connects once and rejects if that fails (a wrong URL should stop startup); later losses reconnect on their own. */
  static async connect(options: AmqpEventBusOptions): Promise<AmqpEventBus> {
    const bus = new AmqpEventBus(options);
    await bus.establish();
    return bus;
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (this.closing) throw new Error('event bus is closed');
    const contents = messages.map((m) => Buffer.from(encodeBody(m.body)));
    const channel = this.publisher;
    if (!channel) {
      this.metrics.onPublishFailed(this.exchange);
      throw new Error(`event bus is not connected to the broker${this.lastError ? ` (${this.lastError})` : ''}`);
    }
    if (messages.length === 0) return;
    const timestamp = Math.floor(Date.now() / 1000);
    const confirms = messages.map(
      (m, i) =>
        new Promise<void>((resolve, reject) => {
          const options = { persistent: true, contentType: 'application/json', messageId: m.messageId, headers: m.headers, timestamp };
          try {
            channel.publish(this.exchange, m.routingKey, contents[i] as Buffer, options, (error) =>
              error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
            );
          } catch (error) {
            reject(error);
          }
        }),
    );
    try {
      await withTimeout(Promise.all(confirms), this.confirmTimeoutMs, `broker did not confirm within ${this.confirmTimeoutMs} ms`);
    } catch (error) {
      this.metrics.onPublishFailed(this.exchange);
      throw error;
    }
    this.metrics.onPublished(this.exchange, messages.length);
  }

  async subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    if (this.closing) throw new Error('event bus is closed');
    const resolved = resolveSubscribeOptions(options);
    // Refused rather than queued while disconnected: resolving means the queue exists and is consuming.
    const connection = this.connection;
    if (!connection) throw new Error(`event bus is not connected to the broker${this.lastError ? ` (${this.lastError})` : ''}`);
    this.metrics.initQueue(resolved.queue);
    const subscription = new AmqpSubscription(resolved, handler, this.context);
    this.subscriptions.add(subscription);
    try {
      await subscription.attach(connection);
    } catch (error) {
      this.subscriptions.delete(subscription);
      throw error;
    }
    return subscription;
  }

  /** A round trip to the broker on a fresh channel: proves the socket is alive and the exchange exists. */
  async check(): Promise<void> {
    const connection = this.connection;
    if (this.closing) throw new Error('event bus is closed');
    if (!connection) throw new Error(`not connected to the broker${this.lastError ? `: ${this.lastError}` : ''}`);
    if (this.blockedReason) throw new Error(`broker is blocking publishers: ${this.blockedReason}`);
    const opening = connection.createChannel();
    const channel = await withTimeout(opening, this.checkTimeoutMs, 'broker did not open a channel in time').catch((error: unknown) => {
      opening.then((late) => late.close()).catch(() => undefined);
      throw error;
    });
    channel.on('error', () => undefined);
    try {
      await withTimeout(channel.checkExchange(this.exchange), this.checkTimeoutMs, 'broker did not answer in time');
    } finally {
      channel.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    // A reconnect under way sees `closing` and closes what it opened; wait so nothing outlives close().
    if (this.reconnecting) await settleWithin(this.reconnecting, this.context.drainTimeoutMs);
    await Promise.all([...this.subscriptions].map((s) => s.cancel()));
    const connection = this.connection;
    this.connection = undefined;
    this.publisher = undefined;
    if (connection) await closeConnection(connection, this.context.drainTimeoutMs);
  }

  private async establish(): Promise<void> {
    const connection = await amqp.connect(this.url, {
      timeout: this.options.connectTimeoutMs ?? 10_000,
      clientProperties: { connection_name: this.options.connectionName ?? `event-bus ${this.exchange}` },
    });
    connection.on('error', (error: unknown) => {
      this.lastError = errorMessage(error);
      this.logger.warn({ err: error }, 'bus connection error');
    });
    connection.on('close', () => this.onConnectionClosed(connection));
    connection.on('blocked', (reason: string) => {
      this.blockedReason = reason;
      this.logger.warn({ reason }, 'broker blocked publishing');
    });
    connection.on('unblocked', () => {
      this.blockedReason = undefined;
      this.logger.info({}, 'broker unblocked publishing');
    });
    let publisher: ConfirmChannel;
    try {
      publisher = await connection.createConfirmChannel();
      publisher.on('error', (error: unknown) => this.logger.warn({ err: error }, 'bus publish channel error'));
      await publisher.assertExchange(this.exchange, 'topic', { durable: true });
      if (this.closing) throw new Error('event bus is closed');
    } catch (error) {
      await closeConnection(connection, this.context.drainTimeoutMs);
      throw error;
    }
    // A publish channel closed by the broker (say, the exchange was deleted) is rebuilt by a full
    // reconnect, which declares the exchange again; rarer than a lost socket, so no separate path.
    publisher.on('close', () => {
      if (this.publisher === publisher && !this.closing) connection.close().catch(() => undefined);
    });
    this.connection = connection;
    this.publisher = publisher;
    this.blockedReason = undefined;
    this.lastError = undefined;
    this.failures = 0;
    for (const subscription of this.subscriptions) {
      subscription.attach(connection).catch((error: unknown) => {
        this.logger.error({ queue: subscription.options.queue, err: error }, 'bus could not resume subscription');
        subscription.scheduleReattach();
      });
    }
  }

  private onConnectionClosed(connection: ChannelModel): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.publisher = undefined;
    if (this.closing) return;
    this.lastError ??= 'connection closed';
    this.logger.warn({ reason: this.lastError }, 'bus lost the broker; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    const delay = backoffDelay(this.context.reconnectDelayMs, this.failures++, this.context.maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      this.reconnecting = this.establish().then(
        () => this.logger.info({}, 'bus reconnected to the broker'),
        (error: unknown) => {
          this.lastError = errorMessage(error);
          this.logger.warn({ err: error }, 'bus reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
  }
}

function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}

/** Closes politely, and cuts the socket if the broker does not answer (a hung peer would keep the process alive). */
async function closeConnection(connection: ChannelModel, timeoutMs: number): Promise<void> {
  if (await settleWithin(connection.close(), timeoutMs)) return;
  const internal = connection.connection as unknown as { stream?: { destroy(): void } };
  internal.stream?.destroy();
}
