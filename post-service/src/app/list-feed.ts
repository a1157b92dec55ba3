import type { Actor, PostView } from '../domain/model.js';
import type { FeedReader } from '../domain/feed.js';
import { pageOf, type Page } from '../domain/page.js';
import { readPaging } from './validate.js';

/**
 * The caller's home feed, newest first, paged by the same opaque keyset cursors as a user's posts
 * (ids are uuidv7: a page stays stable while new posts arrive above it). Someone who follows nobody
 * and never posted gets an empty page.
 */
export async function listFeed(feed: FeedReader, actor: Actor, query: { cursor?: string; limit?: number }): Promise<Page<PostView>> {
  const { from, limit } = readPaging(query.cursor, query.limit);
  const rows = await feed.listFeed(actor.userId, { before: from, limit: limit + 1 });
  return pageOf(rows, limit);
}
