import type { EventOf } from '@herald/contracts';
import type { UserProjection } from '../domain/ports.js';

/**
 * Keeps the local projection of accounts current. Usernames never change, so applying the same or
 * an older event again cannot move the projection backwards: redelivery and reordering are harmless.
 */
export async function projectRegisteredUser(users: UserProjection, event: EventOf<'user.registered'>): Promise<void> {
  const { userId, username, displayName } = event.data;
  await users.upsert({ id: userId, username, displayName: displayName || username });
}
