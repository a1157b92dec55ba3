import { PAGE } from '../domain/cursor.js';
import { LIMITS, usernameKey } from '../domain/rules.js';
import type { User } from '../domain/user.js';
import type { UseCaseDeps } from './deps.js';

/** Username prefix search, case-insensitive; a leading '@' is ignored ('@an' finds 'Ana'). */
export async function searchUsers(deps: Pick<UseCaseDeps, 'users'>, input: { query: string; limit?: number }): Promise<User[]> {
  const prefix = usernameKey(input.query.trim().replace(/^@/, ''));
  // Nothing else can match a username, so there is no point asking the database.
  if (prefix === '' || prefix.length > LIMITS.usernameMax || !/^[a-z0-9_]+$/.test(prefix)) return [];
  return deps.users.searchByUsernamePrefix(prefix, Math.min(input.limit ?? PAGE.defaultLimit, PAGE.maxLimit));
}
