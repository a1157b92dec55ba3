import type { RouteScope } from './scope.js';
import type { AppDeps } from '../app/deps.js';
import { likePost } from '../app/like-post.js';
import { unlikePost } from '../app/unlike-post.js';
import { actorOf } from './auth.js';
import { errorResponses, IdParams, NoContent } from './schemas.js';

const tags = ['posts'];
const security = [{ bearer: [] }];

export function likeRoutes(app: RouteScope, deps: AppDeps): void {
  app.post(
    '/api/v1/posts/:id/likes',
    { schema: { tags, security, summary: 'Like a post (idempotent)', params: IdParams, response: { 204: NoContent, ...errorResponses } } },
    async (req, reply) => {
      await likePost(deps, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/posts/:id/likes',
    { schema: { tags, security, summary: 'Take a like back (idempotent)', params: IdParams, response: { 204: NoContent, ...errorResponses } } },
    async (req, reply) => {
      await unlikePost(deps, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
