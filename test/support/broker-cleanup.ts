import amqp from 'amqplib';
import { DEFAULT_RETRY_DELAYS_MS, deadLetterQueueName, retryQueueName } from '@herald/platform';

const SUBSCRIBER_QUEUES = [
  'user-service.address-bounces', 'post-service.users', 'notification-service.events', 'notification-service.fanout',
  'notification-service.channel.email', 'notification-service.channel.sms', 'notification-service.channel.slack', 'notification-service.channel.push', 'notification-service.channel.urgent',
];

/** Deletes the queues a stack declared under `prefix`, and its exchanges, so runs leave no trace. */
export async function deleteStackTopology(url: string, prefix: string, exchanges: string[]): Promise<void> {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  try {
    for (const base of SUBSCRIBER_QUEUES.map((q) => prefix + q)) {
      const names = [base, deadLetterQueueName(base), ...DEFAULT_RETRY_DELAYS_MS.map((ms) => retryQueueName(base, ms))];
      for (const name of names) {
        // One channel per delete: deleting a missing queue is fine, but an error closes the channel.
        const ch = await conn.createChannel();
        ch.on('error', () => {});
        await ch.deleteQueue(name).catch(() => {});
        await ch.close().catch(() => {});
      }
    }
    for (const exchange of exchanges) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteExchange(exchange).catch(() => {});
      await ch.close().catch(() => {});
    }
  } finally {
    await conn.close().catch(() => {});
  }
}
