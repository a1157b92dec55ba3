import type { AddressedFrame } from '../domain/ports.js';

/**
 * Where a server-initiated catch-up starts. Notification ids are UUIDv7: the first 48 bits are the
 * creation time in ms, so ids sort by time (as strings, and as uuids in PostgreSQL, which compares
 * them byte by byte) and a moment can stand in for "every id from then on".
 */

const format = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** Below every UUIDv7 made at `ms` or later: the timestamp, then version and random bits all zero. */
export function lowerBoundId(ms: number): string {
  const stamp = Math.min(Math.max(0, Math.floor(ms)), 0xffff_ffff_ffff);
  return format(`${stamp.toString(16).padStart(12, '0')}${'0'.repeat(20)}`);
}

/** The uuid just before `id`, so that "after idBefore(x)" includes x itself. */
export function idBefore(id: string): string {
  const value = BigInt(`0x${id.replaceAll('-', '')}`);
  return value === 0n ? id : format((value - 1n).toString(16).padStart(32, '0'));
}

export function minId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

export function maxId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

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
