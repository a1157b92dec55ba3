import { InvalidEventError, parseEvent, UnknownEventTypeError } from '@herald/contracts';
import { PermanentError, type EventBus, type Logger, type Subscription } from '@herald/platform';
import { recordAddressBounce } from '../app/record-address-bounce.js';
import type { UserRepository } from '../domain/ports.js';

export const ADDRESS_BOUNCES_QUEUE = 'user-service.address-bounces';

/**
 * Feeds the bounce flags from `user.address_bounced` (published by notification-service). Acks
 * after the conditional update commits; it is idempotent, so a redelivery changes nothing. A
 * malformed event is a PermanentError (dead-lettered at once); database trouble is retried with
 * backoff; an unknown type is acked and ignored.
 */
export function subscribeAddressBounces(opts: {
  bus: EventBus;
  users: Pick<UserRepository, 'markAddressBounced'>;
  logger: Logger;
  queue?: string;
}): Promise<Subscription> {
  const { bus, users, logger } = opts;
  return bus.subscribe({ queue: opts.queue ?? ADDRESS_BOUNCES_QUEUE, bindings: ['user.address_bounced'] }, async (message) => {
    const log = logger.child({ eventId: message.messageId, routingKey: message.routingKey, attempt: message.attempt });
    let event;
    try {
      event = parseEvent(message.body);
    } catch (err) {
      if (err instanceof UnknownEventTypeError) return log.info({ type: err.type }, 'ignoring event of unknown type');
      if (err instanceof InvalidEventError) throw new PermanentError(err.message);
      throw err;
    }
    if (event.type !== 'user.address_bounced') return log.info({ type: event.type }, 'ignoring event this queue does not handle');
    const outcome = await recordAddressBounce(users, event);
    log.info({ userId: event.data.userId, channel: event.data.channel, outcome }, 'address bounce handled');
  });
}
