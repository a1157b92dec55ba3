import { BadRequestError } from '@herald/platform';
import type { MuteEntry, MuteKind } from '../domain/ports.js';
import type { AppDeps } from './deps.js';
import { refuseDeletedAccount } from './account.js';

/**
 * Mutes or blocks another user: their actions stop notifying this user (both kinds; neither stops
 * their follows, messages or mentions, which is the full block of user-service). Not for a deleted
 * account's token.
 */
export async function muteUser(deps: AppDeps, userId: string, mutedUserId: string, kind: MuteKind): Promise<void> {
  const target = mutedUserId.toLowerCase();
  if (target === userId) throw new BadRequestError('userId', 'you cannot mute yourself');
  await refuseDeletedAccount(deps, userId);
  await deps.projections.mute(userId, target, kind, deps.clock.now());
}

/** Idempotent; the entry of a full block (user.blocked) stays until its user.unblocked. */
export function unmuteUser(deps: AppDeps, userId: string, mutedUserId: string): Promise<void> {
  return deps.projections.unmute(userId, mutedUserId.toLowerCase());
}

export function listMutes(deps: AppDeps, userId: string): Promise<MuteEntry[]> {
  return deps.projections.mutes(userId);
}
