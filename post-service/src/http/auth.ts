import type { FastifyRequest } from 'fastify';
import { UnauthorizedError, type TokenVerifier } from '@herald/platform';
import type { RouteScope } from './scope.js';
import type { Actor } from '../domain/model.js';

const actors = new WeakMap<FastifyRequest, Actor>();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Verifies the bearer token on every route of `app` (an encapsulated plugin scope) before the body
 * is even validated, so an anonymous caller learns nothing but 401. The gateway checks too; this
 * service does not trust the network between them.
 */
export function requireAuth(app: RouteScope, verifier: TokenVerifier): void {
  app.addHook('onRequest', async (req) => {
    const claims = verifier.fromRequest(req);
    const userId = claims.userId.toLowerCase();
    // Ids are uuids in every table here; a token naming anything else is not one of ours.
    if (!UUID.test(userId)) throw new UnauthorizedError('access token subject is not a user id', 'invalid_token');
    actors.set(req, { userId, username: claims.username });
  });
}

export function actorOf(req: FastifyRequest): Actor {
  const actor = actors.get(req);
  if (!actor) throw new UnauthorizedError();
  return actor;
}
