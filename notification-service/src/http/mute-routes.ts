import Type from 'typebox';
import type { AppDeps } from '../app/deps.js';
import { listMutes, muteUser, unmuteUser } from '../app/mutes.js';
import { callerOf } from './auth.js';
import type { RouteScope } from './scope.js';
import { errorResponses, Id, NoContent, UserIdParams } from './schemas.js';

const tags = ['mutes'];
const security = [{ bearer: [] }];
const Kind = Type.Enum(['mute', 'block']);

/**
 * An addition to docs/api.md: stop hearing from someone without unfollowing them. Notifications only;
 * the full block (follows, messages, mentions) is user-service's PUT /api/v1/users/:id/block, whose
 * user.blocked shows here as kind `block` (ProjectionStore.applyChanges).
 */
export function muteRoutes(app: RouteScope, deps: AppDeps): void {
  app.get(
    '/api/v1/notifications/mutes',
    {
      schema: {
        tags,
        security,
        summary: 'People you muted or blocked, newest first',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ userId: Id, kind: Kind, createdAt: Type.String({ format: 'date-time' }) })) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await listMutes(deps, callerOf(req).userId) }),
  );

  app.put(
    '/api/v1/notifications/mutes/:userId',
    {
      schema: {
        tags,
        security,
        summary: "Mute (or block) a user: their actions no longer notify you. Idempotent; the body may be omitted ({kind: 'mute'})",
        description:
          'Only notifications: `kind: block` here does not stop their follows, messages or mentions. ' +
          'PUT /api/v1/users/{id}/block is the full block; it shows here as kind block until you unblock them there.',
        params: UserIdParams,
        body: Type.Union([Type.Object({ kind: Type.Optional(Kind) }, { additionalProperties: false }), Type.Null()]),
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      await muteUser(deps, callerOf(req).userId, req.params.userId, req.body?.kind ?? 'mute');
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/notifications/mutes/:userId',
    {
      schema: {
        tags,
        security,
        summary: 'Unmute a user (idempotent)',
        description: 'A person you block with PUT /api/v1/users/{id}/block stays here (204) until you unblock them there.',
        params: UserIdParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      await unmuteUser(deps, callerOf(req).userId, req.params.userId);
      return reply.code(204).send(null);
    },
  );
}
