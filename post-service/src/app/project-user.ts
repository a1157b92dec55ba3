import type { EventOf } from '@herald/contracts';
import type { ErasedContent, UserChanges, UserProjection } from '../domain/ports.js';

/**
 * Keeps the local projection of accounts current. Every name is written only by an event newer than
 * the one that last wrote it (envelope occurredAt), so applying the same or an older event again
 * cannot move the projection backwards: redelivery and reordering are harmless.
 */
export async function projectRegisteredUser(users: UserProjection, event: EventOf<'user.registered'>): Promise<void> {
  const { userId, username, displayName } = event.data;
  await users.upsert({ id: userId, username, displayName: displayName || username }, new Date(event.occurredAt));
}

/** A user.updated for an id the projection does not hold yet (its user.registered is late): retried. */
export class UserNotProjectedError extends Error {
  override name = 'UserNotProjectedError';
  constructor(readonly userId: string) {
    super(`user ${userId} is not projected yet`);
  }
}

/**
 * Applies a rename, a display-name change or a new direct-message policy. Other fields of
 * user.updated (email, phone, ...) mean nothing here: an event carrying only those is a no-op.
 * Throws UserNotProjectedError when the user is unknown, so the consumer retries it until its
 * user.registered has landed.
 */
export async function projectUpdatedUser(users: UserProjection, event: EventOf<'user.updated'>): Promise<'applied' | 'nothing_to_do'> {
  const { userId, changes } = event.data;
  const kept: UserChanges = {};
  if (changes.username !== undefined) kept.username = changes.username;
  if (changes.displayName) kept.displayName = changes.displayName;
  if (changes.directMessages !== undefined) kept.directMessages = changes.directMessages;
  if (Object.keys(kept).length === 0) return 'nothing_to_do';
  if (!(await users.update(userId, kept, new Date(event.occurredAt)))) throw new UserNotProjectedError(userId);
  return 'applied';
}

/**
 * user.blocked / user.unblocked: the pair's state as of the event. An older event arriving late or
 * again changes nothing (user-service gives one blocker's events increasing times); neither does an
 * event about a deleted account. Needs no user row: a block of someone not projected yet still holds.
 */
export async function projectBlock(users: UserProjection, event: EventOf<'user.blocked'> | EventOf<'user.unblocked'>): Promise<void> {
  const { blockerId, blockedId } = event.data;
  await users.setBlock(blockerId.toLowerCase(), blockedId.toLowerCase(), event.type === 'user.blocked', new Date(event.occurredAt));
}

/** user.followed / user.unfollowed, with the same ordering rule: for the `following` policy. */
export async function projectFollow(users: UserProjection, event: EventOf<'user.followed'> | EventOf<'user.unfollowed'>): Promise<void> {
  const [followerId, followeeId] = event.type === 'user.followed' ? [event.data.follower.id, event.data.followeeId] : [event.data.followerId, event.data.followeeId];
  await users.setFollow(followerId.toLowerCase(), followeeId.toLowerCase(), event.type === 'user.followed', new Date(event.occurredAt));
}

/**
 * An account was deleted: its projection row becomes a tombstone (so a late user.registered or
 * user.updated cannot bring it back, and tokens of it can write nothing more) and its content goes.
 * The tombstone is final, whatever the order events arrive in: ids are never reused. Safe to repeat.
 */
export async function projectDeletedUser(users: UserProjection, event: EventOf<'user.deleted'>): Promise<ErasedContent> {
  return users.erase(event.data.userId, new Date(event.occurredAt));
}
