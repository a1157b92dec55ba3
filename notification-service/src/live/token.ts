import { BEARER_PREFIX } from '@herald/contracts/protocol';

/**
 * Where a WebSocket client's access token is. Browsers cannot set headers on an upgrade, so the token
 * comes as `?token=<jwt>` or as the subprotocol `bearer.<jwt>` (docs/api.md). Anything that is not
 * plainly one compact JWT is refused before a signature check is spent on it.
 */
export type TokenResult = { ok: true; token: string } | { ok: false; code: 'missing_token' | 'invalid_token'; message: string };

const MAX_TOKEN_LENGTH = 4096;
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function checkShape(token: string, where: string): TokenResult {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, code: 'invalid_token', message: `${where} is too long to be an access token` };
  if (!COMPACT_JWT.test(token)) return { ok: false, code: 'invalid_token', message: `${where} is not a JWT` };
  return { ok: true, token };
}

function splitProtocols(header: string | string[] | undefined): string[] {
  return (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The query parameter wins when both are given. */
export function tokenFromUpgrade(url: string, protocolHeader: string | string[] | undefined): TokenResult {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const fromQuery = new URLSearchParams(query).getAll('token');
  if (fromQuery.length > 1) return { ok: false, code: 'invalid_token', message: 'send one token query parameter' };
  if (fromQuery.length === 1 && fromQuery[0] !== '') return checkShape(fromQuery[0]!, 'the token query parameter');

  const bearers = splitProtocols(protocolHeader).filter((p) => p.toLowerCase().startsWith(BEARER_PREFIX));
  if (bearers.length > 1) return { ok: false, code: 'invalid_token', message: 'offer one bearer.<token> subprotocol' };
  if (bearers.length === 1) return checkShape(bearers[0]!.slice(BEARER_PREFIX.length), 'the bearer subprotocol');
  return { ok: false, code: 'missing_token', message: 'send the access token as ?token=<token> or the subprotocol bearer.<token>' };
}

/**
 * The subprotocol to accept. A browser that offered protocols fails the connection unless the server
 * echoes one of them, so a client offering only `bearer.<jwt>` gets that back; one that also offers
 * a real protocol name gets that name instead, keeping the token out of the response.
 */
export function chooseProtocol(offered: Set<string>): string | false {
  let bearer: string | false = false;
  for (const protocol of offered) {
    if (!protocol.toLowerCase().startsWith(BEARER_PREFIX)) return protocol;
    bearer ||= protocol;
  }
  return bearer;
}
