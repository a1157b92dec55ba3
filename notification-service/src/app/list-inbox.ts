import { BadRequestError, decodeCursor, encodeCursor, toUuid } from '@herald/platform';
import type { Notification } from '../domain/notification.js';
import { DEFAULT_PAGE_SIZE, type AppDeps } from './deps.js';

export interface InboxQuery {
  /** The previous page's `nextCursor`, unchanged. */
  cursor?: string;
  limit?: number;
  unread?: boolean;
}

/**
 * The keyset position a cursor names. Inbox cursors were once the bare id of the last item (and
 * documented so); clients may still hold one, so a plain uuid is read as that position too.
 */
function positionOf(cursor: string): string {
  const id = decodeCursor(cursor) ?? toUuid(cursor);
  if (id === undefined) throw new BadRequestError('cursor', 'is not a cursor returned by a previous page');
  return id;
}

/** A page of the inbox, newest first; superseded group items and fallback-only items never appear. */
export async function listInbox(deps: AppDeps, userId: string, query: InboxQuery): Promise<{ items: Notification[]; nextCursor: string | null }> {
  const page = await deps.inbox.list(userId, {
    cursor: query.cursor === undefined ? null : positionOf(query.cursor),
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    unreadOnly: query.unread === true,
  });
  // The store pages by id; clients get Herald's opaque cursor, like every other list route.
  return { items: page.items, nextCursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor) };
}

export function unreadCount(deps: AppDeps, userId: string): Promise<number> {
  return deps.inbox.unreadCount(userId);
}
