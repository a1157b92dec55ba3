import { uuidv7 } from '@herald/platform';
import type { Notification } from '../../../src/domain/notification.js';
import type { AddressedFrame } from '../../../src/domain/ports.js';

/** Test-data builders: a valid notification with only the interesting parts spelled out. */
export function notification(over: Partial<Notification> = {}): Notification {
  return {
    id: uuidv7(),
    type: 'like',
    category: 'informational',
    priority: 'normal',
    title: 'Ana liked your post',
    body: 'Hello world',
    data: {},
    createdAt: new Date().toISOString(),
    readAt: null,
    ...over,
  };
}

export const notificationFrame = (userId: string, n: Notification = notification()): AddressedFrame => ({
  userId,
  frame: { type: 'notification', notification: n },
});

export const countFrame = (userId: string, count: number): AddressedFrame => ({ userId, frame: { type: 'unread_count', count } });

/** A user id that no other test file uses, so files sharing a Redis can run in parallel. */
export const newUserId = (): string => uuidv7();
