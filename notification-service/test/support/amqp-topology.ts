import amqp from 'amqplib';
import { DEFAULT_RETRY_DELAYS_MS, deadLetterQueueName, retryQueueName } from '@herald/platform';
import { queueNames } from '../../src/adapters/bus-consumers.js';
import { ENABLED_OUT_OF_BAND_CHANNELS } from '../../src/domain/channels.js';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Names unique to one test run on the shared broker: queue prefix, events and work exchanges. */
export function uniqueTopology(label: string) {
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    suffix,
    queuePrefix: `test.${label}.${suffix}.`,
    exchange: `test.${label}.events.${suffix}`,
    workExchange: `test.${label}.work.${suffix}`,
  };
}

/**
 * Every queue a notification-service instance declares under `queuePrefix` (events, fan-out, one
 * per channel lane and the urgent lane, each with its retry and dead-letter queues).
 */
export function serviceQueues(queuePrefix: string): string[] {
  const { events, fanout } = queueNames(queuePrefix);
  const lanes = [...ENABLED_OUT_OF_BAND_CHANNELS, 'urgent'].map((lane) => `${queuePrefix}notification-service.channel.${lane}`);
  return [events, fanout, ...lanes].flatMap((q) => [q, deadLetterQueueName(q), ...DEFAULT_RETRY_DELAYS_MS.map((ms) => retryQueueName(q, ms))]);
}

/** Deletes what `uniqueTopology` named; missing ones are fine (safe after a failed start). */
export async function deleteTopology(topology: { queuePrefix: string; exchange: string; workExchange: string }): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    // A failed delete closes the channel, so each one gets its own.
    const attempt = async (op: (ch: amqp.Channel) => Promise<unknown>) => {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        await op(channel);
      } catch {
        /* already gone */
      } finally {
        await channel.close().catch(() => undefined);
      }
    };
    for (const queue of serviceQueues(topology.queuePrefix)) await attempt((ch) => ch.deleteQueue(queue));
    for (const exchange of [topology.exchange, topology.workExchange]) await attempt((ch) => ch.deleteExchange(exchange));
  } finally {
    await connection.close().catch(() => undefined);
  }
}
