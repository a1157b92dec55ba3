import Type from 'typebox';
import type { RouteScope } from './scope.js';
import type { AppDeps } from '../app/deps.js';
import { addComment } from '../app/add-comment.js';
import { listComments } from '../app/list-comments.js';
import { actorOf } from './auth.js';
import { presentComment } from './present.js';
import { Comment, CommentBody, errorResponses, IdParams, PageOf, PageQuery } from './schemas.js';

const tags = ['posts'];
const security = [{ bearer: [] }];

export function commentRoutes(app: RouteScope, deps: AppDeps): void {
  app.post(
    '/api/v1/posts/:id/comments',
    {
      schema: {
        tags,
        security,
        summary: 'Comment on a post',
        params: IdParams,
        body: CommentBody,
        response: { 201: Type.Object({ comment: Comment }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const comment = await addComment(deps, actorOf(req), req.params.id, req.body);
      return reply.code(201).send({ comment: presentComment(comment) });
    },
  );

  app.get(
    '/api/v1/posts/:id/comments',
    {
      schema: {
        tags,
        security,
        summary: "A post's comments, oldest first",
        params: IdParams,
        querystring: PageQuery,
        response: { 200: PageOf(Comment), ...errorResponses },
      },
    },
    async (req) => {
      const page = await listComments(deps, req.params.id, req.query);
      return { items: page.items.map(presentComment), nextCursor: page.nextCursor };
    },
  );
}
