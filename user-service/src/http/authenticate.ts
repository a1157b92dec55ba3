import type { FastifyRequest } from 'fastify';
import type { AccessClaims, TokenVerifier } from '@herald/platform';

// Claims per request without augmenting FastifyRequest globally (several services share one process).
const claimsByRequest = new WeakMap<FastifyRequest, AccessClaims>();

/**
 * An onRequest hook: the token is checked before the body is even parsed, so an anonymous caller
 * learns nothing about validation rules. The gateway verifies too; this service does not trust it to.
 */
export function authenticate(verifier: TokenVerifier) {
  return async (req: FastifyRequest) => {
    claimsByRequest.set(req, verifier.fromRequest(req));
  };
}

export function claimsOf(req: FastifyRequest): AccessClaims {
  const claims = claimsByRequest.get(req);
  if (!claims) throw new Error('route is missing the authenticate hook');
  return claims;
}
