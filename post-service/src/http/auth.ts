import type { FastifyRequest } from 'fastify';
import { UnauthorizedError, type TokenVerifier } from '@herald/platform';
import type { RouteScope } from './scope.js';
import type { Actor } from '../domain/model.js';

const actors = new WeakMap<FastifyRequest, Actor>();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** How many verified tokens are remembered; one per active client is the working set. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * Verifies the bearer token on every route of `app` (an encapsulated plugin scope) before the body
 * is even validated, so an anonymous caller learns nothing but 401. The gateway checks too; this
 * service does not trust the network between them.
 *
 * An ES256 signature check is the costliest step of a small request, and a client sends the same
 * token with every request until it expires, so a token that verified is remembered, by its exact
 * header, until its `exp`: the answer could not change before then (the verifier looks at nothing
 * but the token and the clock, and post-service has no revocation list). Failures are not
 * remembered; an expired entry is verified again, which answers token_expired as before.
 */
export function requireAuth(app: RouteScope, verifier: TokenVerifier, cache = new VerifiedTokens(VERIFIED_TOKEN_CACHE_SIZE)): void {
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const known = header === undefined ? undefined : cache.get(header, Date.now());
    if (known) {
      actors.set(req, known);
      return;
    }
    const claims = verifier.fromRequest(req);
    const userId = claims.userId.toLowerCase();
    // Ids are uuids in every table here; a token naming anything else is not one of ours.
    if (!UUID.test(userId)) throw new UnauthorizedError('access token subject is not a user id', 'invalid_token');
    const actor = Object.freeze({ userId, username: claims.username });
    if (header !== undefined && claims.expiresAt !== undefined) cache.set(header, actor, claims.expiresAt);
    actors.set(req, actor);
  });
}

export function actorOf(req: FastifyRequest): Actor {
  const actor = actors.get(req);
  if (!actor) throw new UnauthorizedError();
  return actor;
}

/**
 * Verified tokens (by the whole Authorization header) and what they said, each until its expiry;
 * least recently used first out once `capacity` are held. A Map keeps insertion order, so a hit
 * moves its entry to the end and the first key is always the one to evict.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { actor: Actor; expiresAt: number }>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(header: string, now: number): Actor | undefined {
    const entry = this.entries.get(header);
    if (!entry) return undefined;
    this.entries.delete(header);
    // jsonwebtoken refuses a token once floor(now / 1000) >= exp, i.e. from exp * 1000 ms on.
    if (now >= entry.expiresAt) return undefined;
    this.entries.set(header, entry);
    return entry.actor;
  }

  set(header: string, actor: Actor, expiresAt: number): void {
    this.entries.delete(header);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(header, { actor, expiresAt });
  }
}
