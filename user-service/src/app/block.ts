import { createEvent, type DomainEvent } from '@herald/contracts';
import { nextChangeAt, unfollowAt, type PairState } from '../domain/blocks.js';
import { InvalidFieldError } from '../domain/errors.js';
import type { BlockWrite } from '../domain/ports.js';
import { PRODUCER, type UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'blocks' | 'clock' | 'newId'>;

function refuseSelf(blockerId: string, blockedId: string) {
  if (blockerId === blockedId) throw new InvalidFieldError('id', 'you cannot block or unblock yourself');
}

/**
 * Blocks someone (docs/api.md "Blocks"). Idempotent: only the call that adds the block writes and
 * emits. In the same transaction every follow edge between the two goes, each with its
 * user.unfollowed (counters lowered), then user.blocked: consumers see the edges removed before
 * the block. Returns whether a block was added. 404 for an unknown account.
 */
export async function blockUser(deps: Deps, blockerId: string, blockedId: string): Promise<boolean> {
  refuseSelf(blockerId, blockedId);
  return deps.blocks.change(blockerId, blockedId, (state) => planBlock(deps, blockerId, blockedId, state));
}

/** Lifts a block; idempotent like blockUser. Follows removed by the block stay removed. */
export async function unblockUser(deps: Deps, blockerId: string, blockedId: string): Promise<boolean> {
  refuseSelf(blockerId, blockedId);
  return deps.blocks.change(blockerId, blockedId, (state) => planUnblock(deps, blockerId, blockedId, state));
}

function planBlock(deps: Deps, blockerId: string, blockedId: string, state: PairState): BlockWrite | null {
  if (state.blocked) return null;
  const at = nextChangeAt(deps.clock.now(), state.lastChangeAt);
  const opts = (occurredAt: Date) => ({ producer: PRODUCER, id: deps.newId(), occurredAt });
  const events: DomainEvent[] = state.edges.map((edge) =>
    createEvent('user.unfollowed', { followerId: edge.followerId, followeeId: edge.followeeId }, opts(unfollowAt(at, edge))),
  );
  events.push(createEvent('user.blocked', { blockerId, blockedId }, opts(at)));
  return { add: { id: deps.newId(), createdAt: at }, removeEdges: state.edges, at, events };
}

function planUnblock(deps: Deps, blockerId: string, blockedId: string, state: PairState): BlockWrite | null {
  if (!state.blocked) return null;
  const at = nextChangeAt(deps.clock.now(), state.lastChangeAt);
  const event = createEvent('user.unblocked', { blockerId, blockedId }, { producer: PRODUCER, id: deps.newId(), occurredAt: at });
  return { removeEdges: [], at, events: [event] };
}
