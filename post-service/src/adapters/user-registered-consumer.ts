import { InvalidEventError, parseEvent, UnknownEventTypeError } from '@herald/contracts';
import { PermanentError, type EventBus, type Logger, type Subscription } from '@herald/platform';
import { projectBlock, projectDeletedUser, projectFollow, projectRegisteredUser, projectUpdatedUser } from '../app/project-user.js';
import { UsernameTakenError, type UserProjection } from '../domain/ports.js';

export const USERS_QUEUE = 'post-service.users';

/** The user events this projection consumes; an existing queue gains a new binding on start. */
export const USERS_BINDINGS = ['user.registered', 'user.updated', 'user.deleted', 'user.blocked', 'user.unblocked', 'user.followed', 'user.unfollowed'];

/**
 * Feeds the user projection from `user.registered` and `user.updated`, the blocks and follows from
 * `user.blocked` / `user.unblocked` and `user.followed` / `user.unfollowed` (docs/adr/0012), and
 * erases an account's content on `user.deleted` (its row stays as a tombstone). Acks only after the write
 * commits (a crash before that redelivers, and the writes are idempotent and ordered by
 * occurredAt). A malformed event, or a registration whose username already belongs to another id,
 * is a PermanentError and goes straight to the dead-letter queue. A rename onto a name another id
 * still holds, or an update for a user not projected yet, is most likely an event that overtook
 * another one: it is thrown as is and retried with backoff (then dead-lettered), like database trouble.
 */
export function subscribeUserProjection(opts: { bus: EventBus; users: UserProjection; logger: Logger; queue?: string }): Promise<Subscription> {
  const { bus, users, logger } = opts;
  return bus.subscribe({ queue: opts.queue ?? USERS_QUEUE, bindings: USERS_BINDINGS }, async (message) => {
    const log = logger.child({ eventId: message.messageId, routingKey: message.routingKey, attempt: message.attempt });
    let event;
    try {
      event = parseEvent(message.body);
    } catch (err) {
      if (err instanceof UnknownEventTypeError) return log.info({ type: err.type }, 'ignoring event of unknown type');
      if (err instanceof InvalidEventError) throw new PermanentError(err.message);
      throw err;
    }
    if (event.type === 'user.registered') {
      try {
        await projectRegisteredUser(users, event);
      } catch (err) {
        if (err instanceof UsernameTakenError) throw new PermanentError(err.message);
        throw err;
      }
      return log.debug({ userId: event.data.userId }, 'user projected');
    }
    if (event.type === 'user.updated') {
      const outcome = await projectUpdatedUser(users, event);
      return log.debug({ userId: event.data.userId, outcome }, 'user update projected');
    }
    if (event.type === 'user.blocked' || event.type === 'user.unblocked') {
      await projectBlock(users, event);
      return log.debug({ blockerId: event.data.blockerId, blockedId: event.data.blockedId, type: event.type }, 'block projected');
    }
    if (event.type === 'user.followed' || event.type === 'user.unfollowed') {
      await projectFollow(users, event);
      return log.debug({ type: event.type }, 'follow projected');
    }
    if (event.type === 'user.deleted') {
      const erased = await projectDeletedUser(users, event);
      return log.info({ userId: event.data.userId, erased }, 'deleted account erased');
    }
    log.info({ type: event.type }, 'ignoring event this queue does not handle');
  });
}
