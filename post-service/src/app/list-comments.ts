import { NotFoundError } from '@herald/platform';
import type { CommentView } from '../domain/model.js';
import { pageOf, type Page } from '../domain/page.js';
import type { AppDeps } from './deps.js';
import { readPaging } from './validate.js';

/** A post's comments, oldest first (a conversation reads top to bottom). */
export async function listComments(deps: AppDeps, postId: string, query: { cursor?: string; limit?: number }): Promise<Page<CommentView>> {
  const { from, limit } = readPaging(query.cursor, query.limit);
  if (!(await deps.store.postExists(postId))) throw new NotFoundError('post');
  const rows = await deps.store.listComments(postId, { after: from, limit: limit + 1 });
  return pageOf(rows, limit);
}
