/**
 * Where a caller's access token is: `Authorization: Bearer <jwt>` for HTTP; for a WebSocket, which
 * browsers cannot give headers, `?token=<jwt>` or the subprotocol `bearer.<jwt>`. The one parser of
 * Herald (gateway, every service's HTTP routes, notification-service's /ws), so a token the gateway
 * lets through is read the same way behind it. Pure and strict: anything that is not plainly one
 * compact JWT is refused before a signature check is spent on it.
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

/** "Bearer", spaces, one token, nothing after it; the scheme in any case. */
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

/** The entries of `Sec-WebSocket-Protocol` (a comma-separated list, possibly sent more than once). */
export function subprotocolsOf(header: string | string[] | undefined): string[] {
  return (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Whether `p` is a token-bearing entry (`bearer.<jwt>`); plain `bearer` is not. */
export const isTokenSubprotocol = (p: string) => p.toLowerCase().startsWith(SUBPROTOCOL_PREFIX);

/**
 * True when a `bearer.<jwt>` entry is offered with nothing else beside it: the server could then
 * only accept the socket by echoing the token back (or fail it). Offer `bearer` too.
 */
export function offersOnlyTokenSubprotocols(header: string | string[] | undefined): boolean {
  const list = subprotocolsOf(header);
  return list.length > 0 && list.every(isTokenSubprotocol);
}

/** A `bearer.<jwt>` entry of `Sec-WebSocket-Protocol` (a comma-separated list). */
export function tokenFromSubprotocols(header: string | string[] | undefined): TokenResult | undefined {
  const bearers = subprotocolsOf(header).filter(isTokenSubprotocol);
  if (bearers.length === 0) return undefined;
  if (bearers.length > 1) return invalid('offer one bearer.<token> subprotocol');
  return checkShape(bearers[0]!.slice(SUBPROTOCOL_PREFIX.length), 'the bearer subprotocol');
}

/** The query parameter wins when both are sent; neither is a missing token. */
export function tokenForWebSocket(url: string, subprotocols: string | string[] | undefined): TokenResult {
  return (
    tokenFromQuery(url) ??
    tokenFromSubprotocols(subprotocols) ??
    missing("send the access token as the subprotocols 'bearer' and 'bearer.<token>' (or, older clients, ?token=<token>)")
  );
}

/**
 * The subprotocol a WebSocket server accepts. A browser that offered protocols fails the connection
 * unless the server echoes one of them, so a client offering only `bearer.<jwt>` gets that back; one
 * that also offers a real protocol name (`bearer`, `herald.v1`) gets that name instead, keeping the
 * token out of the response.
 */
export function chooseSubprotocol(offered: Iterable<string>): string | false {
  let bearer: string | false = false;
  for (const protocol of offered) {
    if (!isTokenSubprotocol(protocol)) return protocol;
    bearer ||= protocol;
  }
  return bearer;
}
