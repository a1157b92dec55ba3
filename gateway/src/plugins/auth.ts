import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError, tokenFromAuthorization, type AccessClaims, type TokenVerifier } from '@herald/platform';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, once `authenticate` has run. */
    claims: AccessClaims | null;
  }
  interface FastifyInstance {
    /** Verifies `Authorization: Bearer <jwt>` or throws a 401 in the public error shape. */
    authenticate(req: FastifyRequest): Promise<void>;
  }
}

/**
 * The gateway checks every token before proxying so a forged or expired one costs no upstream
 * work; the Authorization header itself is passed on untouched and each service verifies again.
 */
export const authPlugin = fp<{ verifier: TokenVerifier }>(
  async (app, { verifier }) => {
    app.decorateRequest('claims', null);
    app.decorate('authenticate', async (req: FastifyRequest) => {
      const found = tokenFromAuthorization(req.headers.authorization);
      if (!found.ok) throw new UnauthorizedError(found.message, found.code);
      req.claims = verifier.verify(found.token);
    });
  },
  { name: 'gateway-auth' },
);
