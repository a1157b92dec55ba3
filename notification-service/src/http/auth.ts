import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError, type AccessClaims, type TokenVerifier } from '@herald/platform';
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

const callers = new WeakMap<FastifyRequest, AccessClaims>();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Verifies the bearer token on every route of the scope before the body is even validated, so an
 * anonymous caller learns nothing but 401. The gateway checks too; this service does not trust the
 * network between them.
 */
export function requireAuth(app: RouteScope, verifier: TokenVerifier, apiKeys?: ApiKeys): void {
  app.addHook('onRequest', async (req) => {
    const apiKey = req.headers['x-api-key'];
    if (apiKeys && !req.headers.authorization && typeof apiKey === 'string' && API_KEY_ROUTES.has(`${req.method} ${req.routeOptions.url}`)) {
      const caller = apiKeys.verify(apiKey);
      if (!caller) throw new UnauthorizedError('unknown API key', 'invalid_api_key');
      callers.set(req, caller);
      return;
    }
    const claims = verifier.fromRequest(req);
    const userId = claims.userId.toLowerCase();
    // Every id here is a uuid column; a subject that is not one names nobody we know.
    if (!UUID.test(userId)) throw new UnauthorizedError('access token subject is not a user id', 'invalid_token');
    callers.set(req, { ...claims, userId });
  });
}

export function callerOf(req: FastifyRequest): AccessClaims {
  const caller = callers.get(req);
  if (!caller) throw new UnauthorizedError();
  return caller;
}

/** Operator routes: an API key with the `admin` scope, and nothing else (no user token opens them). */
export function requireAdminKey(app: RouteScope, apiKeys?: ApiKeys): void {
  app.addHook('onRequest', async (req) => {
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey !== 'string' || !apiKeys) throw new UnauthorizedError('an API key with the admin scope is required (X-API-Key)', 'api_key_required');
    const caller = apiKeys.verify(apiKey);
    if (!caller) throw new UnauthorizedError('unknown API key', 'invalid_api_key');
    if (!caller.scopes.includes('admin')) throw new ForbiddenError('this API key has no admin scope');
    callers.set(req, caller);
  });
}
