import type { EventOf } from '@herald/contracts';
import type { ErasedContent, UserNameChanges, UserProjection } from '../domain/ports.js';

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
 * Applies a rename or a display-name change. Other fields of user.updated (email, phone, ...) mean
 * nothing here: an event carrying only those is a no-op. Throws UserNotProjectedError when the user
 * is unknown, so the consumer retries it until its user.registered has landed.
 */
export async function projectUpdatedUser(users: UserProjection, event: EventOf<'user.updated'>): Promise<'applied' | 'nothing_to_do'> {
  const { userId, changes } = event.data;
  const names: UserNameChanges = {};
  if (changes.username !== undefined) names.username = changes.username;
  if (changes.displayName) names.displayName = changes.displayName;
  if (Object.keys(names).length === 0) return 'nothing_to_do';
  if (!(await users.update(userId, names, new Date(event.occurredAt)))) throw new UserNotProjectedError(userId);
  return 'applied';
}

/**
 * An account was deleted: its projection row becomes a tombstone (so a late user.registered or
 * user.updated cannot bring it back, and tokens of it can write nothing more) and its content goes.
 * The tombstone is final, whatever the order events arrive in: ids are never reused. Safe to repeat.
 */
export async function projectDeletedUser(users: UserProjection, event: EventOf<'user.deleted'>): Promise<ErasedContent> {
  return users.erase(event.data.userId, new Date(event.occurredAt));
}
