import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessClaims, TokenVerifier } from './auth.js';
import { UnauthorizedError } from './errors.js';
import { toUuid } from './uuid.js';
import type { VerifiedTokens } from './verified-tokens.js';

/**
 * Who is calling: the one requireAuth and actor extraction of every service's HTTP routes. The
 * token is checked in onRequest, before the body is even parsed, so an anonymous caller learns
 * nothing but 401 (not even the validation rules). The gateway verifies too; no service trusts
 * the network between them.
 */

// The caller per request, without augmenting FastifyRequest globally (several services can share
// one process, embedded mode).
const actors = new WeakMap<FastifyRequest, AccessClaims>();

export interface AuthOptions {
  /**
   * Another way in, tried before the bearer token (notification-service's X-API-Key on a few
   * routes): the caller it proves, or undefined when the request must show a bearer token. It may
   * throw a 401 of its own for a credential that is present but wrong.
   */
  alternative?: (req: FastifyRequest) => AccessClaims | undefined;
  /** Verified tokens remembered until their expiry (see VerifiedTokens for when that is safe). */
  cache?: VerifiedTokens<AccessClaims>;
}

/** The onRequest hook itself, for a route that declares it alone (`{ onRequest: authenticate(v) }`). */
export function authenticate(verifier: TokenVerifier, options: AuthOptions = {}): (req: FastifyRequest) => Promise<void> {
  const { alternative, cache } = options;
  return async (req) => {
    const other = alternative?.(req);
    if (other) {
      actors.set(req, other);
      return;
    }
    const header = req.headers.authorization;
    const known = header === undefined ? undefined : cache?.get(header, Date.now());
    if (known) {
      actors.set(req, known);
      return;
    }
    const claims = verifier.fromRequest(req);
    // Every id in Herald is a uuid column, compared in lower case; a subject that is not one names nobody.
    const userId = toUuid(claims.userId);
    if (!userId) throw new UnauthorizedError('access token subject is not a user id', 'invalid_token');
    const actor: AccessClaims = Object.freeze({ ...claims, userId });
    if (cache && header !== undefined && claims.expiresAt !== undefined) cache.set(header, actor, claims.expiresAt);
    actors.set(req, actor);
  };
}

// Any encapsulated scope, whatever its type provider and logger.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyScope = FastifyInstance<any, any, any, any, any>;

/** Requires a caller on every route of `scope` (an encapsulated plugin scope). */
export function requireAuth(scope: AnyScope, verifier: TokenVerifier, options: AuthOptions = {}): void {
  scope.addHook('onRequest', authenticate(verifier, options));
}

/** Records the caller a hook of the service's own established (an admin API key). */
export function setActor(req: FastifyRequest, caller: AccessClaims): void {
  actors.set(req, caller);
}

/** The caller of a request that went through requireAuth/authenticate; a route without it is a 401, never anonymous. */
export function actorOf(req: FastifyRequest): AccessClaims {
  const actor = actors.get(req);
  if (!actor) throw new UnauthorizedError();
  return actor;
}
