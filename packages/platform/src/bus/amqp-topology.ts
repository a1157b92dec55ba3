import type { Channel } from 'amqplib';
import type { ResolvedSubscribeOptions } from './redelivery-policy.js';

export const retryQueueName = (queue: string, delayMs: number): string => `${queue}.retry.${delayMs}`;
export const deadLetterQueueName = (queue: string): string => `${queue}.dlq`;

/**
 * Declares what a subscription needs; idempotent, so it runs again on every reconnect (which also
 * repairs a queue deleted by hand). Changing these arguments for an existing queue makes RabbitMQ
 * refuse the declaration (PRECONDITION_FAILED): such a change needs a new queue name or a migration.
 *
 *   exchange --binding--> <queue> (quorum) --handler throws--> <queue>.retry.<ms> (TTL ms)
 *       ^                   |  ^                                   | expires
 *       |                   |  +------ default exchange, key <queue> +
 *                           +--no attempts left / permanent / bad JSON--> <queue>.dlq
 */
export async function assertSubscriptionTopology(
  channel: Channel,
  exchange: string,
  options: ResolvedSubscribeOptions,
  deliveryLimit: number,
): Promise<void> {
  const { queue } = options;
  const dlq = deadLetterQueueName(queue);
  await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      // The broker's own guard against a message that kills its consumer process before the
      // handler can fail it: after this many deliveries it is dead-lettered instead of looping.
      'x-delivery-limit': deliveryLimit,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': dlq,
    },
  });
  for (const delayMs of new Set(options.retryDelaysMs)) {
    await channel.assertQueue(retryQueueName(queue, delayMs), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        // One queue per delay with a queue-wide TTL: every message in it expires in arrival order,
        // so a long delay never holds a short one behind it (per-message TTL would).
        'x-message-ttl': delayMs,
        // Back through the default exchange straight into the one queue that failed, not to the
        // topic exchange, so other subscribers never see the retry.
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queue,
        // The retry copy stays here until the work queue has it (RabbitMQ >= 3.10).
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
  }
  for (const pattern of options.bindings) await channel.bindQueue(queue, exchange, pattern);
}
