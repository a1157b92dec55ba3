import { actorOf, authenticate, type HttpApp, type TokenVerifier } from '@herald/platform';
import type { UseCaseDeps } from '../app/deps.js';
import { blockUser, unblockUser } from '../app/block.js';
import { listBlocks } from '../app/list-blocks.js';
import { BlockPageResponse, IdParams, NoContent, PageQuery, bearer, errors } from './schemas.js';

/** Blocks (docs/api.md "Blocks"): the full block, owned here next to the follow graph. */
export function blockRoutes(app: HttpApp, deps: UseCaseDeps, verifier: TokenVerifier) {
  const onRequest = authenticate(verifier);
  const edgeSchema = (summary: string, description: string) => ({
    tags: ['blocks'],
    summary,
    description,
    security: bearer,
    params: IdParams,
    response: { 204: NoContent, ...errors(400, 401, 404) },
  });

  // Uuids are case-insensitive; compare them in one spelling so "block yourself" cannot slip through.
  app.put(
    '/api/v1/users/:id/block',
    {
      onRequest,
      schema: edgeSchema(
        'Block a user (idempotent)',
        'Removes the follows between you both (either way); while the block holds neither of you can follow, message or mention the other, ' +
          'and their actions no longer notify you. They are not told.',
      ),
    },
    async (req, reply) => {
      await blockUser(deps, actorOf(req).userId, req.params.id.toLowerCase());
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/users/:id/block',
    { onRequest, schema: edgeSchema('Unblock a user (idempotent)', 'Follows the block removed stay removed.') },
    async (req, reply) => {
      await unblockUser(deps, actorOf(req).userId, req.params.id.toLowerCase());
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/users/me/blocks',
    {
      onRequest,
      schema: {
        tags: ['blocks'],
        summary: 'The people you block, newest block first',
        security: bearer,
        querystring: PageQuery,
        response: { 200: BlockPageResponse, ...errors(400, 401) },
      },
    },
    async (req) => {
      const page = await listBlocks(deps, actorOf(req).userId, req.query);
      return { items: page.items.map((b) => ({ userId: b.blockedId, createdAt: b.createdAt.toISOString() })), nextCursor: page.nextCursor };
    },
  );
}
