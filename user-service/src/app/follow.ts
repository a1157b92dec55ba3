import { createEvent } from '@herald/contracts';
import { CannotFollowSelfError, UserNotFoundError } from '../domain/errors.js';
import { userRef } from '../domain/user.js';
import { PRODUCER, type UseCaseDeps } from './deps.js';

/**
 * Idempotent: following someone twice keeps one edge and emits user.followed once, because the
 * event is written only in the transaction that actually inserts the edge.
 * Returns whether a new edge was created.
 */
export async function followUser(deps: UseCaseDeps, followerId: string, followeeId: string): Promise<boolean> {
  if (followerId === followeeId) throw new CannotFollowSelfError();
  const [follower, followee] = await Promise.all([deps.users.findById(followerId), deps.users.findById(followeeId)]);
  if (!follower || !followee) throw new UserNotFoundError();

  const createdAt = deps.clock.now();
  const edge = { id: deps.newId(), followerId, followeeId, createdAt };
  const event = createEvent('user.followed', { follower: userRef(follower), followeeId }, { producer: PRODUCER, id: deps.newId(), occurredAt: createdAt });
  return deps.follows.follow(edge, event);
}
