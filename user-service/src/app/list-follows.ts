import { PAGE, cursorPosition, encodeCursor } from '../domain/cursor.js';
import { UserNotFoundError } from '../domain/errors.js';
import type { FollowDirection, FollowPageEntry } from '../domain/ports.js';
import type { UseCaseDeps } from './deps.js';

export interface FollowPage {
  items: FollowPageEntry[];
  nextCursor: string | null;
}

/** One page of a user's followers or followees, newest edge first. */
export async function listFollows(
  deps: Pick<UseCaseDeps, 'users' | 'follows'>,
  userId: string,
  direction: FollowDirection,
  input: { cursor?: string; limit?: number },
): Promise<FollowPage> {
  const beforeEdgeId = input.cursor === undefined ? undefined : cursorPosition(input.cursor);
  const limit = Math.min(Math.max(input.limit ?? PAGE.defaultLimit, 1), PAGE.maxLimit);
  if (!(await deps.users.findById(userId))) throw new UserNotFoundError();

  // One extra row tells whether another page exists without a count query.
  const rows = await deps.follows.page(userId, direction, { beforeEdgeId, limit: limit + 1 });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.edgeId) : null };
}
