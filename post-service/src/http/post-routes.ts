import Type from 'typebox';
import type { RouteScope } from './scope.js';
import type { AppDeps } from '../app/deps.js';
import { createPost } from '../app/create-post.js';
import { getPost } from '../app/get-post.js';
import { listUserPosts } from '../app/list-user-posts.js';
import { actorOf } from './auth.js';
import { presentPost } from './present.js';
import { errorResponses, IdParams, PageOf, PageQuery, Post, PostBody } from './schemas.js';

const tags = ['posts'];
const security = [{ bearer: [] }];

export function postRoutes(app: RouteScope, deps: AppDeps): void {
  app.post(
    '/api/v1/posts',
    { schema: { tags, security, summary: 'Publish a post', body: PostBody, response: { 201: Type.Object({ post: Post }), ...errorResponses } } },
    async (req, reply) => {
      const post = await createPost(deps, actorOf(req), req.body);
      return reply.code(201).send({ post: presentPost(post) });
    },
  );

  app.get(
    '/api/v1/posts/:id',
    { schema: { tags, security, summary: 'Read one post', params: IdParams, response: { 200: Type.Object({ post: Post }), ...errorResponses } } },
    async (req) => ({ post: presentPost(await getPost(deps, actorOf(req), req.params.id)) }),
  );

  app.get(
    '/api/v1/users/:id/posts',
    {
      schema: {
        tags,
        security,
        summary: "A user's posts, newest first",
        params: IdParams,
        querystring: PageQuery,
        response: { 200: PageOf(Post), ...errorResponses },
      },
    },
    async (req) => {
      const page = await listUserPosts(deps, actorOf(req), req.params.id, req.query);
      return { items: page.items.map(presentPost), nextCursor: page.nextCursor };
    },
  );
}
