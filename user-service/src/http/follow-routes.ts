import { actorOf, authenticate, type HttpApp, type TokenVerifier } from '@herald/platform';
import type { UseCaseDeps } from '../app/deps.js';
import { followUser } from '../app/follow.js';
import { listFollows } from '../app/list-follows.js';
import { unfollowUser } from '../app/unfollow.js';
import type { FollowDirection } from '../domain/ports.js';
import { publicView } from '../domain/user.js';
import { FollowPageResponse, IdParams, NoContent, PageQuery, bearer, errors } from './schemas.js';

export function followRoutes(app: HttpApp, deps: UseCaseDeps, verifier: TokenVerifier) {
  const onRequest = authenticate(verifier);
  const edgeSchema = (summary: string) => ({
    tags: ['follows'],
    summary,
    security: bearer,
    params: IdParams,
    response: { 204: NoContent, ...errors(400, 401, 404) },
  });

  // Uuids are case-insensitive; compare them in one spelling so "follow yourself" cannot slip through.
  const followSchema = {
    ...edgeSchema('Follow a user (idempotent)'),
    description: '403 blocked while either of you blocks the other',
    response: { 204: NoContent, ...errors(400, 401, 403, 404) },
  };
  app.post('/api/v1/users/:id/follow', { onRequest, schema: followSchema }, async (req, reply) => {
    await followUser(deps, actorOf(req).userId, req.params.id.toLowerCase());
    return reply.code(204).send(null);
  });

  app.delete('/api/v1/users/:id/follow', { onRequest, schema: edgeSchema('Stop following a user (idempotent)') }, async (req, reply) => {
    await unfollowUser(deps, actorOf(req).userId, req.params.id.toLowerCase());
    return reply.code(204).send(null);
  });

  for (const direction of ['followers', 'following'] as const satisfies FollowDirection[]) {
    app.get(
      `/api/v1/users/:id/${direction}`,
      {
        onRequest,
        schema: {
          tags: ['follows'],
          summary: direction === 'followers' ? 'Who follows this user, newest first' : 'Whom this user follows, newest first',
          security: bearer,
          params: IdParams,
          querystring: PageQuery,
          response: { 200: FollowPageResponse, ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const page = await listFollows(deps, req.params.id.toLowerCase(), direction, req.query);
        return {
          items: page.items.map((e) => ({ ...publicView(e.user), followedAt: e.followedAt.toISOString() })),
          nextCursor: page.nextCursor,
        };
      },
    );
  }
}
