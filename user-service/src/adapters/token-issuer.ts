import type { TokenSigner } from '@herald/platform';
import type { TokenIssuer } from '../domain/ports.js';
import type { User } from '../domain/user.js';

/** Access tokens carry who the user is and no scopes: user accounts get no special powers. */
export function tokenIssuer(signer: TokenSigner): TokenIssuer {
  return { issue: (user: User) => signer.sign({ userId: user.id, username: user.username, scopes: [] }) };
}
