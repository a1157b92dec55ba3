import { actorOf, authenticate, type HttpApp, type TokenVerifier } from '@herald/platform';
import type { UseCaseDeps } from '../app/deps.js';
import { deleteAccount } from '../app/delete-account.js';
import { getUser } from '../app/get-user.js';
import { searchUsers } from '../app/search-users.js';
import { updateProfile } from '../app/update-profile.js';
import { meView, publicView } from '../domain/user.js';
import { DeleteMeBody, IdParams, MeResponse, PatchMeBody, SearchQuery, SearchResponse, UserResponse, bearer, errors } from './schemas.js';

export function userRoutes(app: HttpApp, deps: UseCaseDeps, verifier: TokenVerifier) {
  const onRequest = authenticate(verifier);

  app.get(
    '/api/v1/users/me',
    { onRequest, schema: { tags: ['users'], summary: 'Your own profile', security: bearer, response: { 200: MeResponse, ...errors(401, 404) } } },
    async (req) => ({ user: meView(await getUser(deps, actorOf(req).userId)) }),
  );

  app.patch(
    '/api/v1/users/me',
    {
      onRequest,
      schema: {
        tags: ['users'],
        summary: 'Change your display name, email, phone, locale, time zone or whom you accept direct messages from',
        security: bearer,
        body: PatchMeBody,
        response: { 200: MeResponse, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) => ({ user: meView(await updateProfile(deps, actorOf(req).userId, req.body)) }),
  );

  app.delete(
    '/api/v1/users/me',
    {
      onRequest,
      schema: {
        tags: ['users'],
        summary: 'Delete your account, confirmed with your password',
        description:
          'Removes the account, its sessions and follows, and (through the user.deleted event) your inbox, preferences, ' +
          'mutes, posts, comments, likes and sent messages everywhere; your live sockets close with 4401. ' +
          'Wrong passwords count towards a lockout like failed logins (429 login_locked). Cannot be undone.',
        security: bearer,
        body: DeleteMeBody,
        response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await deleteAccount(deps, actorOf(req), req.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/users',
    {
      onRequest,
      schema: {
        tags: ['users'],
        summary: 'Find users by username prefix (case-insensitive)',
        security: bearer,
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...errors(400, 401) },
      },
    },
    async (req) => ({ items: (await searchUsers(deps, req.query)).map(publicView) }),
  );

  app.get(
    '/api/v1/users/:id',
    {
      onRequest,
      schema: { tags: ['users'], summary: 'A user’s public profile', security: bearer, params: IdParams, response: { 200: UserResponse, ...errors(400, 401, 404) } },
    },
    async (req) => ({ user: publicView(await getUser(deps, req.params.id.toLowerCase())) }),
  );
}
