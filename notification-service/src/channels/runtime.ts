import type { EventBus, Logger, Subscription } from '@herald/platform';
import { PermanentError } from '@herald/platform';
import { sweepTimers, type FireDeps } from '../app/fire-fallbacks.js';
import { sendDelivery, type SendDeps } from '../app/send-delivery.js';
import type { DueDelivery } from '../domain/channel-ports.js';
import { ENABLED_OUT_OF_BAND_CHANNELS, isOutOfBandChannel, type OutOfBandChannel } from '../domain/channels.js';

/**
 * Queue topology (docs/channels.md): on the internal work exchange, one quorum queue per channel
 * (`notification-service.channel.<name>`, routing key `channel.<name>`) plus one urgent lane
 * (`notification-service.channel.urgent`) for critical items, because quorum queues have no
 * priorities: a critical alert never waits behind 10,000 ordinary emails.
 */
export const channelRoutingKey = (due: Pick<DueDelivery, 'channel' | 'urgent'>) => (due.urgent ? 'channel.urgent' : `channel.${due.channel}`);
const queueName = (prefix: string, lane: string) => `${prefix}notification-service.channel.${lane}`;
/** Every channel lane this service consumes: each enabled channel, then the urgent lane. */
const lanes = () => [...ENABLED_OUT_OF_BAND_CHANNELS.map((c) => ({ lane: c, key: `channel.${c}` })), { lane: 'urgent', key: 'channel.urgent' }];
/** The channel queues' names with AMQP_QUEUE_PREFIX (deployments scale on their depth). */
export const channelQueueNames = (prefix = ''): string[] => lanes().map(({ lane }) => queueName(prefix, lane));

export interface ChannelRuntimeOptions {
  workBus: EventBus;
  queuePrefix: string;
  send: SendDeps;
  fire: Omit<FireDeps, 'publish'>;
  /** Messages each channel worker handles at once (its prefetch): CHANNEL_CONCURRENCY. */
  concurrency: number;
  /** How often the timers are swept (a full batch sweeps again at once). */
  sweepIntervalMs: number;
  logger: Logger;
  /**
   * Digests share the channel queues and workers: a message `{d: digest id, c: channel}` is sent
   * like a delivery, with the digests' ledger and rendering (channels/digest-runtime.ts).
   */
  digests?: Pick<SendDeps, 'store' | 'render'>;
}

export interface ChannelRuntime {
  /** Publishes due deliveries (used by the sweep, and by replays). */
  publish(due: readonly DueDelivery[]): Promise<void>;
  /** One sweep now (tests; the admin replay). */
  sweep(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createChannelRuntime(opts: ChannelRuntimeOptions): ChannelRuntime {
  const { workBus, logger } = opts;
  let subscriptions: Subscription[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let sweeping: Promise<void> | undefined;
  let failures = 0;

  const publish = (due: readonly DueDelivery[]) =>
    workBus.publish(due.map((d) => ({ routingKey: channelRoutingKey(d), messageId: `${d.notificationId}.${d.channel}`, body: { n: d.notificationId, c: d.channel } })));

  const handler = async (message: { body: unknown; messageId?: string }) => {
    const { n, c, d } = (message.body ?? {}) as { n?: unknown; c?: unknown; d?: unknown };
    if (d !== undefined && opts.digests) {
      if (typeof d !== 'string' || !/^[0-9a-f-]{36}$/i.test(d) || !isOutOfBandChannel(c)) throw new PermanentError('a digest message is {d: digest id, c: channel}');
      await sendDelivery({ ...opts.send, ...opts.digests, logger: logger.child({ digestId: d, channel: c }) }, d, c as OutOfBandChannel);
      return;
    }
    if (typeof n !== 'string' || !/^[0-9a-f-]{36}$/i.test(n) || !isOutOfBandChannel(c)) throw new PermanentError('a channel message is {n: notification id, c: channel}');
    await sendDelivery({ ...opts.send, logger: logger.child({ notificationId: n, channel: c }) }, n, c as OutOfBandChannel);
  };

  const runSweep = async () => {
    let full = true;
    while (full && running) {
      const result = await sweepTimers({ ...opts.fire, publish }, 500);
      full = result.fired === 500 || result.retried === 500;
      if (result.fired + result.retried > 0) logger.debug(result, 'timers swept');
    }
  };

  const tick = async () => {
    if (!running) return;
    sweeping = runSweep()
      .then(() => {
        failures = 0;
      })
      .catch((err) => {
        failures++;
        logger.warn({ err: err instanceof Error ? err.message : err, failures }, 'timer sweep failed; will retry');
      });
    await sweeping;
    sweeping = undefined;
    if (running) timer = setTimeout(() => void tick(), failures ? Math.min(opts.sweepIntervalMs * 2 ** failures, 30_000) : opts.sweepIntervalMs);
  };

  return {
    publish,
    async sweep() {
      await sweepTimers({ ...opts.fire, publish }, 500);
    },
    async start() {
      for (const { lane, key } of lanes()) {
        subscriptions.push(await workBus.subscribe({ queue: queueName(opts.queuePrefix, lane), bindings: [key], prefetch: opts.concurrency }, handler));
      }
      running = true;
      timer = setTimeout(() => void tick(), 0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await sweeping;
      await Promise.all(subscriptions.map((s) => s.cancel()));
      subscriptions = [];
    },
  };
}
