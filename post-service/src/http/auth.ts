import type { FastifyRequest } from 'fastify';
import { VerifiedTokens, actorOf as callerOf, requireAuth as requireCaller, type AccessClaims, type TokenVerifier } from '@herald/platform';
import type { RouteScope } from './scope.js';
import type { Actor } from '../domain/model.js';

/** How many verified tokens are remembered; one per active client is the working set. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * Herald's requireAuth (@herald/platform) on every route of `app`, with a verified-token cache.
 * An ES256 signature check is the costliest step of a small request, and a client sends the same
 * token with every request until it expires, so a token that verified is remembered, by its exact
 * header, until its `exp`: post-service has no revocation list, so the answer could not change
 * before then. Failures are not remembered; an expired entry is verified again (token_expired).
 */
export function requireAuth(app: RouteScope, verifier: TokenVerifier, cache = new VerifiedTokens<AccessClaims>(VERIFIED_TOKEN_CACHE_SIZE)): void {
  requireCaller(app, verifier, { cache });
}

/** The caller as the domain knows it: who, and by which name; scopes and session stay in the HTTP layer. */
export function actorOf(req: FastifyRequest): Actor {
  const { userId, username } = callerOf(req);
  return { userId, username };
}
