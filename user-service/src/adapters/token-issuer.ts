import type { TokenSigner } from '@herald/platform';
import type { TokenIssuer } from '../domain/ports.js';

/** Access tokens carry who the user is, their session, and no scopes: user accounts get no special powers. */
export function tokenIssuer(signer: TokenSigner): TokenIssuer {
  return {
    issue: (user, sessionId) => signer.sign({ userId: user.id, username: user.username, scopes: [], sessionId }),
    ttlSeconds: signer.accessTokenTtlSeconds,
  };
}
