import { NotFoundError } from '@herald/platform';
import type { AppDeps } from './deps.js';
import { pushUnreadCount } from './push-live.js';

/**
 * Marks one of the user's items read; every session of theirs gets the new unread count. Reading
 * an item twice is fine (204); an id that is not theirs is indistinguishable from an unknown one.
 */
export async function markRead(deps: AppDeps, userId: string, id: string): Promise<void> {
  const notificationId = id.toLowerCase();
  const changed = await deps.inbox.markRead([notificationId], userId, deps.clock.now());
  if (changed.length > 0) return pushUnreadCount(deps, userId);
  const owned = await deps.inbox.ownedBy([notificationId], userId);
  if (!owned.has(notificationId)) throw new NotFoundError('notification');
}

export async function markAllRead(deps: AppDeps, userId: string): Promise<void> {
  const changed = await deps.inbox.markAllRead(userId, deps.clock.now());
  if (changed > 0) await pushUnreadCount(deps, userId);
}
