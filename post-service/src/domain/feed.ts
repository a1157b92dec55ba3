import type { PostView } from './model.js';

/**
 * The home feed: the viewer's own posts and the posts of everyone the viewer follows, newest first,
 * leaving out the people with a block between them and the viewer (either way, as for messages and
 * mentions, docs/adr/0012). Read from this service's projections of user-service's follows and
 * blocks, so it follows a follow, an unfollow or a block within milliseconds of the event; an
 * unfollow or a block takes the person's posts out of the feed, a (re)follow brings all of them in.
 */
export interface FeedReader {
  /** Newest first, ids strictly below `before` when given; at most `limit` posts. */
  listFeed(viewerId: string, page: { before?: string; limit: number }): Promise<PostView[]>;
}
