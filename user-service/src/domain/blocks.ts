import type { DirectMessagePolicy } from '@herald/contracts';
import type { FollowEdge, PairState } from './ports.js';

export type { PairState };

/**
 * Blocks and the direct-message policy (docs/api.md "Blocks", docs/adr/0012). Pure rules: what a
 * block or an unblock writes and when its events happen, decided on the state the repository read
 * under its locks.
 */

export const DIRECT_MESSAGE_POLICIES = ['everyone', 'following'] as const satisfies readonly DirectMessagePolicy[];

/** What an account starts with (and every account had before the setting existed): see ADR 0012. */
export const DEFAULT_DIRECT_MESSAGES: DirectMessagePolicy = 'everyone';

/**
 * The time of the blocker's next block or unblock: now, or just after the previous one when this
 * instance's clock is behind the one that wrote it. Consumers keep the newest state per pair by
 * occurredAt, so these must increase in commit order (which the lock on the blocker's row gives).
 */
export function nextChangeAt(now: Date, lastChangeAt: Date | null): Date {
  return lastChangeAt && now.getTime() <= lastChangeAt.getTime() ? new Date(lastChangeAt.getTime() + 1) : now;
}

/**
 * The time of the user.unfollowed a block emits for an edge: the block's time, or just after the
 * edge's user.followed (whose occurredAt is the edge's createdAt) if that is later, so no projection
 * keeps the edge because the follow looks newer than its removal.
 */
export function unfollowAt(blockAt: Date, edge: Pick<FollowEdge, 'createdAt'>): Date {
  return edge.createdAt.getTime() >= blockAt.getTime() ? new Date(edge.createdAt.getTime() + 1) : blockAt;
}

/** Why a follow is refused: a block between the two, seen from the one who wants to follow. */
export type FollowBlock = 'you_blocked' | 'blocked_you';

/** Whether `followerId` may follow, given the blocks that exist between the two (as blocker ids). */
export function followBlock(followerId: string, blockerIds: readonly string[]): FollowBlock | null {
  if (blockerIds.includes(followerId)) return 'you_blocked';
  return blockerIds.length > 0 ? 'blocked_you' : null;
}
