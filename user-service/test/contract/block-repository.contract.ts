import { beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '@herald/contracts';
import { uuidv7 } from '@herald/platform';
import { UserNotFoundError } from '../../src/domain/errors.js';
import type { BlockWrite, FollowEdge, PairState } from '../../src/domain/ports.js';
import type { User } from '../../src/domain/user.js';
import { anEdge, at, block, eventsAbout, follow, followedEvent, people, unblock, unfollow, unfollowedEvent, written, type MakeRepositories, type Repositories } from './repositories.js';

const blockedEvent = (blockerId: string, blockedId: string, occurredAt: Date) => createEvent('user.blocked', { blockerId, blockedId }, { producer: 'user-service', id: uuidv7(), occurredAt });
const unblockedEvent = (blockerId: string, blockedId: string, occurredAt: Date) => createEvent('user.unblocked', { blockerId, blockedId }, { producer: 'user-service', id: uuidv7(), occurredAt });

/** A block as planBlock writes it: the row, the edges of the state, the time and the events. */
function blockWrite(blockerId: string, blockedId: string, state: PairState, at: Date): BlockWrite {
  const events = [...state.edges.map((e) => unfollowedEvent(e.followerId, e.followeeId, at)), blockedEvent(blockerId, blockedId, at)];
  return { add: { id: uuidv7(), createdAt: at }, removeEdges: state.edges, at, events };
}

/** What every BlockRepository must do; run against the memory fake and PostgreSQL through Prisma. */
export function blockRepositoryContract(name: string, make: MakeRepositories): void {
  describe(`BlockRepository contract: ${name}`, () => {
    let r: Repositories;
    beforeAll(async () => {
      r = await make();
    });

    /** The state the repository hands to `decide` for this pair, writing nothing. */
    const stateOf = async (blockerId: string, blockedId: string) => {
      let seen: PairState | undefined;
      expect(await r.blocks.change(blockerId, blockedId, (state) => ((seen = state), null))).toBe(false);
      return seen!;
    };
    const counters = async (user: Pick<User, 'id'>) => {
      const found = await r.users.findById(user.id);
      return found && { followers: found.followersCount, following: found.followingCount };
    };

    it('shows a pair with no history as unblocked, never changed, with no edges; a null decision writes nothing', async () => {
      const [ana, bob] = await people(r, 2);
      expect(await stateOf(ana!.id, bob!.id)).toEqual({ blocked: false, lastChangeAt: null, edges: [] });
      expect(await r.blocks.page(ana!.id, { limit: 10 })).toEqual([]);
      expect((await eventsAbout(r, ana!.id, bob!.id)).map((e) => e.type)).toEqual(['user.registered', 'user.registered']);
    });

    it('hands over the follow edges between the two, both ways and in id order, and nobody else\'s', async () => {
      const [ana, bob, cy] = await people(r, 3);
      const there = anEdge(ana!.id, bob!.id, at(10));
      const back = anEdge(bob!.id, ana!.id, at(20));
      // Written in the other order than their ids.
      await r.follows.follow(back, followedEvent(bob!, ana!.id));
      await r.follows.follow(there, followedEvent(ana!, bob!.id));
      await follow(r, cy!, ana!);
      expect((await stateOf(ana!.id, bob!.id)).edges).toEqual([there, back]);
      expect((await stateOf(bob!.id, ana!.id)).edges).toEqual([there, back]);
    });

    it('stores a block with its edges removed (counters lowered), the blocker\'s change time and its events, in the order given', async () => {
      const [ana, bob, cy] = await people(r, 3);
      await follow(r, ana!, bob!);
      await follow(r, bob!, ana!);
      await follow(r, cy!, ana!);
      const before = (await eventsAbout(r, ana!.id, bob!.id)).length;
      let write: BlockWrite | undefined;
      expect(await r.blocks.change(ana!.id, bob!.id, (state) => (write = blockWrite(ana!.id, bob!.id, state, at(500))))).toBe(true);

      expect((await eventsAbout(r, ana!.id, bob!.id)).slice(before)).toEqual(write!.events);
      expect(await stateOf(ana!.id, bob!.id)).toEqual({ blocked: true, lastChangeAt: at(500), edges: [] });
      expect(await r.blocks.page(ana!.id, { limit: 10 })).toEqual([{ id: write!.add!.id, blockedId: bob!.id, createdAt: at(500) }]);
      expect(await r.users.findById(ana!.id)).toEqual({ ...ana, followersCount: 1, followingCount: 0 });
      expect(await r.users.findById(bob!.id)).toEqual(bob);
      expect((await r.follows.page(ana!.id, 'followers', { limit: 10 })).map((e) => e.user.id)).toEqual([cy!.id]);
    });

    it('keeps each person\'s change time and blocks their own: the blocked one\'s state is untouched', async () => {
      const [ana, bob] = await people(r, 2);
      await r.blocks.change(ana!.id, bob!.id, (state) => blockWrite(ana!.id, bob!.id, state, at(500)));
      expect(await stateOf(bob!.id, ana!.id)).toEqual({ blocked: false, lastChangeAt: null, edges: [] });
      expect(await r.blocks.page(bob!.id, { limit: 10 })).toEqual([]);
    });

    it('removes the row on an unblock, moving the change time; follows do not come back', async () => {
      const [ana, bob] = await people(r, 2);
      await follow(r, bob!, ana!);
      await r.blocks.change(ana!.id, bob!.id, (state) => blockWrite(ana!.id, bob!.id, state, at(500)));
      const event = unblockedEvent(ana!.id, bob!.id, at(600));
      expect(await r.blocks.change(ana!.id, bob!.id, () => ({ removeEdges: [], at: at(600), events: [event] }))).toBe(true);
      expect(await stateOf(ana!.id, bob!.id)).toEqual({ blocked: false, lastChangeAt: at(600), edges: [] });
      expect(await r.blocks.page(ana!.id, { limit: 10 })).toEqual([]);
      expect(await written(r, event)).toEqual([event.id]);
      expect(await counters(ana!)).toEqual({ followers: 0, following: 0 });
    });

    it('skips an edge to remove that is already gone, leaving the counters alone', async () => {
      const [ana, bob] = await people(r, 2);
      await follow(r, bob!, ana!);
      const { edges } = await stateOf(ana!.id, bob!.id);
      await unfollow(r, bob!.id, ana!.id);
      const stale: FollowEdge[] = [...edges, anEdge(ana!.id, bob!.id)];
      expect(await r.blocks.change(ana!.id, bob!.id, () => ({ add: { id: uuidv7(), createdAt: at(1) }, removeEdges: stale, at: at(1), events: [] }))).toBe(true);
      expect(await counters(ana!)).toEqual({ followers: 0, following: 0 });
      expect(await counters(bob!)).toEqual({ followers: 0, following: 0 });
    });

    it('refuses a pair with an unknown account either way without asking for a decision', async () => {
      const [ana] = await people(r, 1);
      let asked = false;
      const decide = () => ((asked = true), null);
      await expect(r.blocks.change(ana!.id, uuidv7(), decide)).rejects.toBeInstanceOf(UserNotFoundError);
      await expect(r.blocks.change(uuidv7(), ana!.id, decide)).rejects.toBeInstanceOf(UserNotFoundError);
      expect(asked).toBe(false);
    });

    it('refuses someone and themselves as no pair of accounts (UserNotFoundError), without asking for a decision', async () => {
      const [ana] = await people(r, 1);
      let asked = false;
      await expect(r.blocks.change(ana!.id, ana!.id, () => ((asked = true), null))).rejects.toBeInstanceOf(UserNotFoundError);
      expect(asked).toBe(false);
    });

    it('pages a blocker\'s blocks newest first (by id), strictly before a cursor, and only theirs', async () => {
      const [me, ...others] = await people(r, 5);
      const ids: string[] = [];
      for (const [i, other] of others.entries()) {
        await r.blocks.change(me!.id, other.id, (state) => {
          const write = blockWrite(me!.id, other.id, state, at(i));
          ids.push(write.add!.id);
          return write;
        });
      }
      await block(r, others[0]!.id, me!.id);
      const first = await r.blocks.page(me!.id, { limit: 2 });
      expect(first).toEqual([
        { id: ids[3], blockedId: others[3]!.id, createdAt: at(3) },
        { id: ids[2], blockedId: others[2]!.id, createdAt: at(2) },
      ]);
      expect((await r.blocks.page(me!.id, { limit: 10, beforeId: ids[2] })).map((b) => b.blockedId)).toEqual([others[1]!.id, others[0]!.id]);
      expect(await r.blocks.page(me!.id, { limit: 10, beforeId: ids[0] })).toEqual([]);
      expect((await r.blocks.page(others[0]!.id, { limit: 10 })).map((b) => b.blockedId)).toEqual([me!.id]);
    });

    it('takes ids in any letter case as the same uuids', async () => {
      const [ana, bob] = await people(r, 2);
      await follow(r, bob!, ana!);
      expect(await block(r, ana!.id.toUpperCase(), bob!.id.toUpperCase())).toBe(true);
      expect(await stateOf(ana!.id, bob!.id)).toMatchObject({ blocked: true, edges: [] });
      expect(await r.blocks.page(ana!.id.toUpperCase(), { limit: 10 })).toMatchObject([{ blockedId: bob!.id }]);
      expect(await counters(ana!)).toEqual({ followers: 0, following: 0 });
      expect(await unblock(r, ana!.id, bob!.id.toUpperCase())).toBe(true);
      expect(await r.blocks.page(ana!.id, { limit: 10 })).toEqual([]);
    });

    it('hands out copies: changing the state or a page changes nothing stored', async () => {
      const [ana, bob] = await people(r, 2);
      await follow(r, bob!, ana!, at(40));
      const state = await stateOf(ana!.id, bob!.id);
      state.edges[0]!.createdAt.setTime(0);
      expect((await stateOf(ana!.id, bob!.id)).edges[0]!.createdAt).toEqual(at(40));
      const write = blockWrite(ana!.id, bob!.id, await stateOf(ana!.id, bob!.id), at(50));
      await r.blocks.change(ana!.id, bob!.id, () => write);
      write.at.setTime(0);
      write.add!.createdAt.setTime(0);
      const [entry] = await r.blocks.page(ana!.id, { limit: 1 });
      entry!.createdAt.setTime(0);
      expect(await r.blocks.page(ana!.id, { limit: 1 })).toMatchObject([{ createdAt: at(50) }]);
      expect((await stateOf(ana!.id, bob!.id)).lastChangeAt).toEqual(at(50));
    });

    it('keeps blocks and follows of the same two people consistent when they race', async () => {
      const [ana, bob] = await people(r, 2);
      for (let round = 0; round < 3; round++) {
        await unblock(r, ana!.id, bob!.id);
        await follow(r, bob!, ana!);
        await follow(r, ana!, bob!);
        const storm = Array.from({ length: 24 }, (_, i) => {
          switch (i % 4) {
            case 0: return follow(r, bob!, ana!);
            case 1: return follow(r, ana!, bob!);
            case 2: return block(r, ana!.id, bob!.id);
            default: return unfollow(r, bob!.id, ana!.id);
          }
        });
        const results = await Promise.allSettled(storm);
        // A follow is either done (and then removed by the block) or refused by it; nothing else fails.
        for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'blocked' });
        expect(results.some((x) => x.status === 'rejected')).toBe(true);
        expect(await stateOf(ana!.id, bob!.id)).toMatchObject({ blocked: true, edges: [] });
        for (const who of [ana!, bob!]) expect(await counters(who)).toEqual({ followers: 0, following: 0 });
      }
      // Replaying the outbox in order gives the state in the store: the events tell the truth.
      const replay = { blocked: false, edges: new Set<string>() };
      for (const e of await eventsAbout(r, ana!.id, bob!.id)) {
        if (e.type === 'user.blocked') replay.blocked = true;
        if (e.type === 'user.unblocked') replay.blocked = false;
        if (e.type === 'user.followed') replay.edges.add(e.data.follower.id);
        if (e.type === 'user.unfollowed') replay.edges.delete(e.data.followerId);
      }
      expect(replay).toEqual({ blocked: true, edges: new Set() });
    });
  });
}
