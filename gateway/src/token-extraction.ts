/**
 * Where a caller's access token is: `Authorization: Bearer <jwt>` for HTTP; for a WebSocket, which
 * browsers cannot give headers, `?token=<jwt>` or the subprotocol `bearer.<jwt>`. Pure and strict:
 * anything that is not plainly one compact JWT is refused before a signature check is spent on it.
 */
export type TokenResult =
  | { ok: true; token: string }
  | { ok: false; code: 'missing_token' | 'invalid_token'; message: string };

/** Far above any token user-service issues; stops a huge header from reaching the verifier. */
export const MAX_TOKEN_LENGTH = 4096;
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer[ ]+(\S+)$/i;
export const SUBPROTOCOL_PREFIX = 'bearer.';

const missing = (message: string): TokenResult => ({ ok: false, code: 'missing_token', message });
const invalid = (message: string): TokenResult => ({ ok: false, code: 'invalid_token', message });

function checkShape(token: string, where: string): TokenResult {
  if (token.length > MAX_TOKEN_LENGTH) return invalid(`${where} is too long to be an access token`);
  if (!COMPACT_JWT.test(token)) return invalid(`${where} is not a JWT`);
  return { ok: true, token };
}

export function tokenFromAuthorization(header: string | string[] | undefined): TokenResult {
  if (Array.isArray(header)) return invalid('send one Authorization header');
  if (header === undefined || header.trim() === '') return missing('missing Authorization: Bearer <token> header');
  const match = BEARER.exec(header.trim());
  if (!match) return invalid('Authorization header must be "Bearer <token>"');
  return checkShape(match[1]!, 'the bearer token');
}

/** The `token` query parameter of a request URL (path and query, as in `req.url`). */
export function tokenFromQuery(url: string): TokenResult | undefined {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const values = new URLSearchParams(query).getAll('token');
  if (values.length === 0) return undefined;
  if (values.length > 1) return invalid('send one token query parameter');
  return values[0] === '' ? missing('the token query parameter is empty') : checkShape(values[0]!, 'the token query parameter');
}

/** A `bearer.<jwt>` entry of `Sec-WebSocket-Protocol` (a comma-separated list). */
export function tokenFromSubprotocols(header: string | string[] | undefined): TokenResult | undefined {
  const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim());
  const bearers = list.filter((p) => p.toLowerCase().startsWith(SUBPROTOCOL_PREFIX));
  if (bearers.length === 0) return undefined;
  if (bearers.length > 1) return invalid('offer one bearer.<token> subprotocol');
  return checkShape(bearers[0]!.slice(SUBPROTOCOL_PREFIX.length), 'the bearer subprotocol');
}

/** The query parameter wins when both are sent; neither is a missing token. */
export function tokenForWebSocket(url: string, subprotocols: string | string[] | undefined): TokenResult {
  return (
    tokenFromQuery(url) ??
    tokenFromSubprotocols(subprotocols) ??
    missing('send the access token as ?token=<token> or the subprotocol bearer.<token>')
  );
}
