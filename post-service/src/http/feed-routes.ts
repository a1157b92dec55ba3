import type { RouteScope } from './scope.js';
import type { FeedReader } from '../domain/feed.js';
import { listFeed } from '../app/list-feed.js';
import { actorOf } from './auth.js';
import { presentPost } from './present.js';
import { errorResponses, PageOf, PageQuery, Post } from './schemas.js';

export function feedRoutes(app: RouteScope, feed: FeedReader): void {
  app.get(
    '/api/v1/feed',
    {
      schema: {
        tags: ['posts'],
        security: [{ bearer: [] }],
        summary: 'Your home feed: your posts and those of the people you follow, newest first',
        description:
          'Each item is a Post as GET /api/v1/posts/{id} answers it. People with a block between them and you (either way) ' +
          'are left out. Paged by keyset: pass nextCursor back as cursor; null means the end.',
        querystring: PageQuery,
        response: { 200: PageOf(Post), ...errorResponses },
      },
    },
    async (req) => {
      const page = await listFeed(feed, actorOf(req), req.query);
      return { items: page.items.map(presentPost), nextCursor: page.nextCursor };
    },
  );
}
