import { BadRequestError } from '@herald/platform';
import { DEFAULT_PREFERENCES, normalizePreferences, type Preferences } from '../domain/preferences.js';
import type { AppDeps } from './deps.js';
import { refuseDeletedAccount } from './account.js';

export function getPreferences(deps: AppDeps, userId: string): Promise<Preferences> {
  return deps.preferences.get(userId);
}

/**
 * Replaces the user's preferences (PUT semantics): what the body leaves out takes the default,
 * except the time zone, which stays what it was (their registered zone until they set one), since
 * silently moving someone to UTC would shift their quiet hours. The 400 names the field in dotted
 * form, as normalizePreferences reports it. A deleted account's token stores nothing (401 account_deleted).
 */
export async function putPreferences(deps: AppDeps, userId: string, body: unknown): Promise<Preferences> {
  await refuseDeletedAccount(deps, userId);
  const current = await deps.preferences.get(userId);
  const result = normalizePreferences(body, { ...DEFAULT_PREFERENCES, timezone: current.timezone ?? 'UTC' });
  if (!result.ok) throw new BadRequestError(result.field, result.message);
  await deps.preferences.put(userId, result.value);
  return result.value;
}
