import { InvalidEventError, parseEvent, UnknownEventTypeError } from '@herald/contracts';
import { PermanentError, type EventBus, type Logger, type Subscription } from '@herald/platform';
import { projectRegisteredUser } from '../app/project-user.js';
import { UsernameTakenError, type UserProjection } from '../domain/ports.js';

export const USERS_QUEUE = 'post-service.users';

/**
 * Feeds the user projection from `user.registered`. Acks only after the upsert commits (a crash
 * before that redelivers, and the upsert is idempotent). A malformed event, or one that can never
 * apply, is a PermanentError and goes straight to the dead-letter queue; database trouble is
 * thrown as is and retried with backoff.
 */
export function subscribeUserProjection(opts: { bus: EventBus; users: UserProjection; logger: Logger; queue?: string }): Promise<Subscription> {
  const { bus, users, logger } = opts;
  return bus.subscribe({ queue: opts.queue ?? USERS_QUEUE, bindings: ['user.registered'] }, async (message) => {
    const log = logger.child({ eventId: message.messageId, routingKey: message.routingKey, attempt: message.attempt });
    let event;
    try {
      event = parseEvent(message.body);
    } catch (err) {
      if (err instanceof UnknownEventTypeError) return log.info({ type: err.type }, 'ignoring event of unknown type');
      if (err instanceof InvalidEventError) throw new PermanentError(err.message);
      throw err;
    }
    if (event.type !== 'user.registered') return log.info({ type: event.type }, 'ignoring event this queue does not handle');
    try {
      await projectRegisteredUser(users, event);
    } catch (err) {
      if (err instanceof UsernameTakenError) throw new PermanentError(err.message);
      throw err;
    }
    log.debug({ userId: event.data.userId }, 'user projected');
  });
}
