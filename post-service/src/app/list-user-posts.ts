import type { Actor, PostView } from '../domain/model.js';
import { pageOf, type Page } from '../domain/page.js';
import type { AppDeps } from './deps.js';
import { readPaging } from './validate.js';

/**
 * A user's posts, newest first. A user the projection has not seen simply has no posts yet
 * (an empty page, not 404): right after registering, their profile must not look broken.
 */
export async function listUserPosts(
  deps: AppDeps,
  actor: Actor,
  userId: string,
  query: { cursor?: string; limit?: number },
): Promise<Page<PostView>> {
  const { from, limit } = readPaging(query.cursor, query.limit);
  const rows = await deps.store.listPostsByAuthor(userId, { before: from, limit: limit + 1 }, actor.userId);
  return pageOf(rows, limit);
}
