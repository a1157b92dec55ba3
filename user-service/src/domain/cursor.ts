import { InvalidFieldError } from './errors.js';

/**
 * Follower/following pages are keyset pages over the follow edge's uuidv7 id (newest first). The
 * cursor is opaque to clients, versioned so its encoding can change without breaking old links.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PREFIX = 'e1:';

export function encodeCursor(edgeId: string): string {
  return Buffer.from(PREFIX + edgeId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const raw = /^[A-Za-z0-9_-]{1,128}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : '';
  if (!UUID.test(id)) throw new InvalidFieldError('cursor', 'is not a cursor returned by a previous page');
  return id;
}

export const PAGE = { defaultLimit: 20, maxLimit: 100 } as const;
