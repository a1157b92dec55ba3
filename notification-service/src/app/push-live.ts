import type { Notification } from '../domain/notification.js';
import type { AddressedFrame } from '../domain/ports.js';
import type { AppDeps } from './deps.js';

export interface Pushed {
  recipientId: string;
  notification: Notification;
}

/**
 * After commit: each new inbox item and the recipient's new unread count go to every live session
 * (one count query for the whole chunk). Live push is best effort, the inbox is the truth: a
 * failure is logged and reported as "nobody online", which leaves fallback deliveries pending.
 */
export async function pushLive(deps: AppDeps, items: readonly Pushed[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  try {
    const byUser = new Map<string, Pushed[]>();
    for (const item of items) byUser.set(item.recipientId, [...(byUser.get(item.recipientId) ?? []), item]);
    const counts = await deps.inbox.unreadCounts([...byUser.keys()]);
    const frames: AddressedFrame[] = [];
    for (const [userId, own] of byUser) {
      for (const item of own) frames.push({ userId, frame: { type: 'notification', notification: item.notification } });
      frames.push({ userId, frame: { type: 'unread_count', count: counts.get(userId) ?? 0 } });
    }
    return (await deps.live.deliver(frames)).online;
  } catch (err) {
    deps.logger.warn({ err }, 'live push failed; the inbox still has every item');
    return new Set();
  }
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
