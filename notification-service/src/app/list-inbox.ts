import type { Notification } from '../domain/notification.js';
import { DEFAULT_PAGE_SIZE, type AppDeps } from './deps.js';

export interface InboxQuery {
  /** The last id of the previous page (its `nextCursor`). */
  cursor?: string;
  limit?: number;
  unread?: boolean;
}

/** A page of the inbox, newest first; superseded group items and fallback-only items never appear. */
export function listInbox(deps: AppDeps, userId: string, query: InboxQuery): Promise<{ items: Notification[]; nextCursor: string | null }> {
  return deps.inbox.list(userId, {
    cursor: query.cursor?.toLowerCase() ?? null,
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    unreadOnly: query.unread === true,
  });
}

export function unreadCount(deps: AppDeps, userId: string): Promise<number> {
  return deps.inbox.unreadCount(userId);
}
