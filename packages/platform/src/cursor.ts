import { toUuid, type Uuid } from './uuid.js';

/**
 * The one paging cursor of Herald. List routes page by keyset over uuidv7 ids (which sort by
 * creation time), so a cursor carries the id of the last item served; clients get it as opaque
 * base64url text and must hand it back unchanged. The version prefix lets the format change
 * without breaking cursors in flight. Pure (Buffer is a global), so domain code may use it as
 * `@herald/platform/cursor`.
 */
const VERSION = 'v1:';
/**
 * Prefixes cursors were once issued with, still read: clients hold cursors across deploys.
 * `e1:` was user-service's (followers, following, blocks) before it used this codec.
 */
const ACCEPTED = [VERSION, 'e1:'];
/** Far longer than any cursor made here; stops decoding of arbitrary input early. */
const MAX_LENGTH = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(id: string): string {
  return Buffer.from(VERSION + id, 'utf8').toString('base64url');
}

/**
 * The id inside a cursor, or undefined when the cursor was not made by encodeCursor (or an earlier
 * version of it). Callers turn undefined into their 400 naming the field `cursor`.
 */
export function decodeCursor(cursor: string): Uuid | undefined {
  if (cursor.length === 0 || cursor.length > MAX_LENGTH || !BASE64URL.test(cursor)) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = ACCEPTED.find((p) => decoded.startsWith(p));
  return prefix === undefined ? undefined : toUuid(decoded.slice(prefix.length));
}
