import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError, actorOf, requireAuth as requireCaller, setActor, type AccessClaims, type TokenVerifier } from '@herald/platform';
import type { RouteScope } from './scope.js';
import type { ApiKeys } from './api-keys.js';

/** Routes a backend may call with `X-API-Key` instead of a bearer token. */
const API_KEY_ROUTES = new Set([
  'POST /api/v1/notifications',
  'GET /api/v1/notifications/status',
  // Status webhooks (http/webhook-routes.ts): owned by the key's sender.
  'POST /api/v1/webhooks',
  'GET /api/v1/webhooks',
  'DELETE /api/v1/webhooks/:id',
]);

/**
 * Herald's requireAuth (@herald/platform) on every route of the scope, with one way in besides the
 * bearer token: an API key, on the API_KEY_ROUTES only and only when no Authorization is sent.
 */
export function requireAuth(app: RouteScope, verifier: TokenVerifier, apiKeys?: ApiKeys): void {
  requireCaller(app, verifier, {
    alternative: (req) => {
      const apiKey = req.headers['x-api-key'];
      if (!apiKeys || req.headers.authorization || typeof apiKey !== 'string' || !API_KEY_ROUTES.has(`${req.method} ${req.routeOptions.url}`)) return undefined;
      const caller = apiKeys.verify(apiKey);
      if (!caller) throw new UnauthorizedError('unknown API key', 'invalid_api_key');
      return caller;
    },
  });
}

/** The caller: a user's verified token, or the API key's sender. */
export function callerOf(req: FastifyRequest): AccessClaims {
  return actorOf(req);
}

/** Operator routes: an API key with the `admin` scope, and nothing else (no user token opens them). */
export function requireAdminKey(app: RouteScope, apiKeys?: ApiKeys): void {
  app.addHook('onRequest', async (req) => {
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey !== 'string' || !apiKeys) throw new UnauthorizedError('an API key with the admin scope is required (X-API-Key)', 'api_key_required');
    const caller = apiKeys.verify(apiKey);
    if (!caller) throw new UnauthorizedError('unknown API key', 'invalid_api_key');
    if (!caller.scopes.includes('admin')) throw new ForbiddenError('this API key has no admin scope');
    setActor(req, caller);
  });
}
