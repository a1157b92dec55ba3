import { decodeCursor } from '@herald/platform/cursor';
import { InvalidFieldError } from './errors.js';

/**
 * Follower/following and block pages are keyset pages over a uuidv7 id (the follow edge's, the
 * block's), newest first, with Herald's one cursor codec (@herald/platform/cursor).
 */
export { encodeCursor } from '@herald/platform/cursor';

/** The id inside a cursor this service issued; anything else is a 400 naming `cursor`. */
export function cursorPosition(cursor: string): string {
  const id = decodeCursor(cursor);
  if (id === undefined) throw new InvalidFieldError('cursor', 'is not a cursor returned by a previous page');
  return id;
}

export const PAGE = { defaultLimit: 20, maxLimit: 100 } as const;
