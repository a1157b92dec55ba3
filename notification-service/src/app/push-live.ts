import type { Notification } from '../domain/notification.js';
import { idBefore } from '../domain/notification-ids.js';
import type { AddressedFrame } from '../domain/ports.js';
import type { AppDeps } from './deps.js';

export interface Pushed {
  recipientId: string;
  notification: Notification;
}

/**
 * After commit: each new inbox item and the recipient's new unread count go to every live session
 * (one count query for the whole chunk). Live push is best effort, the inbox is the truth, but a
 * socket is never left behind without knowing: when the count query fails (the database dropped
 * right after the commit) the items still go out and the recipients' sockets catch up their counts
 * from the inbox; when the push itself fails they catch up the items too. The result is who was
 * online (none when unknown, which leaves fallback deliveries pending).
 */
export async function pushLive(deps: AppDeps, items: readonly Pushed[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const byUser = new Map<string, Pushed[]>();
  for (const item of items) byUser.set(item.recipientId, [...(byUser.get(item.recipientId) ?? []), item]);
  const users = [...byUser.keys()];
  let counts: Map<string, number> | undefined;
  try {
    counts = await deps.inbox.unreadCounts(users);
  } catch (err) {
    deps.logger.warn({ err, users: users.length }, 'unread counts unreadable after a commit; the items go out and sockets catch up their counts');
  }
  const frames: AddressedFrame[] = [];
  for (const [userId, own] of byUser) {
    for (const item of own) frames.push({ userId, frame: { type: 'notification', notification: item.notification } });
    if (counts) frames.push({ userId, frame: { type: 'unread_count', count: counts.get(userId) ?? 0 } });
  }
  try {
    const { online } = await deps.live.deliver(frames);
    if (!counts) await deps.live.catchUpUsers(users, undefined);
    return online;
  } catch (err) {
    deps.logger.warn({ err }, 'live push failed; the recipients\' sockets catch up from the inbox');
    await deps.live.catchUpUsers(users, idBefore(oldestId(items)));
    return new Set();
  }
}

function oldestId(items: readonly Pushed[]): string {
  let oldest = items[0]!.notification.id;
  for (const { notification } of items) if (notification.id < oldest) oldest = notification.id;
  return oldest;
}

/** Pushes a user's current unread count to all of their sessions (after a read). */
export async function pushUnreadCount(deps: AppDeps, userId: string): Promise<void> {
  try {
    const count = await deps.inbox.unreadCount(userId);
    await deps.live.deliver([{ userId, frame: { type: 'unread_count', count } }]);
  } catch (err) {
    deps.logger.warn({ err, userId }, 'unread count push failed');
  }
}
