import { BadRequestError } from '@herald/platform';
import { checkText } from '../domain/text.js';
import { decodeCursor } from '@herald/platform/cursor';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './deps.js';

/** Domain rules re-checked in the use case, so they hold whatever the caller (HTTP or test) is. */
export function requireText(raw: string, max: number, field = 'text'): string {
  const result = checkText(raw, max);
  if (!result.ok) throw new BadRequestError(field, result.problem);
  return result.text;
}

export function readPaging(cursor: string | undefined, limit: number | undefined): { from?: string; limit: number } {
  const size = limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new BadRequestError('limit', `must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
  if (cursor === undefined || cursor === '') return { limit: size };
  const from = decodeCursor(cursor);
  if (!from) throw new BadRequestError('cursor', 'is not a cursor this service issued');
  return { from, limit: size };
}
