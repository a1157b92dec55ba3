import { createEvent } from '@herald/contracts';
import { CannotFollowSelfError, UserNotFoundError } from '../domain/errors.js';
import { PRODUCER, type UseCaseDeps } from './deps.js';

/** Idempotent: user.unfollowed is emitted only by the call that actually removed the edge. */
export async function unfollowUser(deps: UseCaseDeps, followerId: string, followeeId: string): Promise<boolean> {
  if (followerId === followeeId) throw new CannotFollowSelfError();
  if (!(await deps.users.findById(followeeId))) throw new UserNotFoundError();

  const event = createEvent('user.unfollowed', { followerId, followeeId }, { producer: PRODUCER, id: deps.newId(), occurredAt: deps.clock.now() });
  return deps.follows.unfollow(followerId, followeeId, event);
}
