import type { AddressedFrame } from '../domain/ports.js';
import { lowerBoundId, maxId, minId } from '../domain/notification-ids.js';

/** Where a server-initiated catch-up starts; the id arithmetic is in domain/notification-ids.ts. */
export { idBefore, lowerBoundId, maxId, minId } from '../domain/notification-ids.js';

/** What a catch-up needs to know about a socket. */
export interface CatchUpPosition {
  /** Where the socket stood when a loss may have begun (set while this instance had Redis trouble). */
  readonly gapFrom: string | undefined;
  /** The newest notification id written to it, or the id the client resumed after. */
  readonly cursor: string | undefined;
  /** When it opened (ms). */
  readonly openedAt: number;
}

/**
 * The id to page the inbox after. Without a hint: where the socket stood when the loss began, else
 * the newest id it was sent (everything newer was never sent), else the moment it opened. With a
 * sender's hint `after` (every lost notification is newer): the earlier of the two, so a notification
 * lost before this socket's own newer frames is not skipped; but not before the socket opened, since
 * what existed then was the client's to load (and clients de-duplicate by id).
 */
export function catchUpStart(position: CatchUpPosition, after?: string): string {
  const opened = lowerBoundId(position.openedAt);
  const base = position.gapFrom ?? position.cursor ?? opened;
  if (after === undefined) return base;
  return minId(base, maxId(after, opened))!;
}

/** The smallest notification id among frames, if any carries one. */
export function oldestNotificationId(frames: Iterable<AddressedFrame>): string | undefined {
  let oldest: string | undefined;
  for (const { frame } of frames) if (frame.type === 'notification') oldest = minId(oldest, frame.notification.id);
  return oldest;
}
