import { beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { BlockedError, UserNotFoundError } from '../../src/domain/errors.js';
import type { User } from '../../src/domain/user.js';
import { anEdge, at, block, eventsAbout, follow, followedEvent, people, unfollow, unfollowedEvent, written, type MakeRepositories, type Repositories } from './repositories.js';

/** What every FollowRepository must do; run against the memory fake and PostgreSQL through Prisma. */
export function followRepositoryContract(name: string, make: MakeRepositories): void {
  describe(`FollowRepository contract: ${name}`, () => {
    let r: Repositories;
    beforeAll(async () => {
      r = await make();
    });

    const counters = async (user: Pick<User, 'id'>) => {
      const found = await r.users.findById(user.id);
      return found && { followers: found.followersCount, following: found.followingCount };
    };

    it('adds an edge once however often it is asked: one event, counters up by one, the last profile change as it was', async () => {
      const [ana, bob] = await people(r, 2);
      const first = followedEvent(ana!, bob!.id);
      const second = followedEvent(ana!, bob!.id);
      expect(await r.follows.follow(anEdge(ana!.id, bob!.id), first)).toBe(true);
      expect(await r.follows.follow(anEdge(ana!.id, bob!.id), second)).toBe(false);
      expect(await written(r, first, second)).toEqual([first.id]);
      expect(await r.users.findById(ana!.id)).toEqual({ ...ana, followingCount: 1 });
      expect(await r.users.findById(bob!.id)).toEqual({ ...bob, followersCount: 1 });
    });

    it('removes an edge once: false without one (no event), true with one, counters down, the last profile change as it was', async () => {
      const [ana, bob] = await people(r, 2);
      const early = unfollowedEvent(ana!.id, bob!.id);
      expect(await r.follows.unfollow(ana!.id, bob!.id, early)).toBe(false);
      await follow(r, ana!, bob!);
      const [removed, again] = [unfollowedEvent(ana!.id, bob!.id), unfollowedEvent(ana!.id, bob!.id)];
      expect(await r.follows.unfollow(ana!.id, bob!.id, removed)).toBe(true);
      expect(await r.follows.unfollow(ana!.id, bob!.id, again)).toBe(false);
      expect(await written(r, early, removed, again)).toEqual([removed.id]);
      expect(await r.users.findById(ana!.id)).toEqual(ana);
      expect(await r.users.findById(bob!.id)).toEqual(bob);
      expect(await r.follows.page(bob!.id, 'followers', { limit: 10 })).toEqual([]);
    });

    it('an edge one way is not the edge the other way', async () => {
      const [ana, bob] = await people(r, 2);
      await follow(r, ana!, bob!);
      expect(await follow(r, bob!, ana!)).toBe(true);
      expect(await unfollow(r, ana!.id, bob!.id)).toBe(true);
      expect(await counters(ana!)).toEqual({ followers: 1, following: 0 });
      expect(await counters(bob!)).toEqual({ followers: 0, following: 1 });
    });

    it('refuses with BlockedError while either blocks the other, telling the blocker it is theirs, writing nothing', async () => {
      const [ana, bob] = await people(r, 2);
      await block(r, ana!.id, bob!.id);
      const before = await eventsAbout(r, ana!.id, bob!.id);
      const byBlocked = await follow(r, bob!, ana!).catch((e: unknown) => e);
      const byBlocker = await follow(r, ana!, bob!).catch((e: unknown) => e);
      expect(byBlocked).toBeInstanceOf(BlockedError);
      expect(byBlocker).toBeInstanceOf(BlockedError);
      expect(byBlocked).toMatchObject({ message: 'id: you cannot follow this user' });
      expect(byBlocker).toMatchObject({ message: 'id: you blocked this user; unblock them first' });
      expect(await eventsAbout(r, ana!.id, bob!.id)).toEqual(before);
      expect(await counters(ana!)).toEqual({ followers: 0, following: 0 });
      expect(await r.follows.page(ana!.id, 'followers', { limit: 10 })).toEqual([]);
      // Unfollowing is no follow: a no-op, not a refusal.
      expect(await unfollow(r, bob!.id, ana!.id)).toBe(false);
    });

    it('refuses an edge to or from an unknown account with UserNotFoundError, writing nothing', async () => {
      const [ana] = await people(r, 1);
      const ghost = { id: uuidv7(), username: 'ghost', displayName: 'ghost' };
      const events = [followedEvent(ana!, ghost.id), followedEvent(ghost, ana!.id)];
      await expect(r.follows.follow(anEdge(ana!.id, ghost.id), events[0]!)).rejects.toBeInstanceOf(UserNotFoundError);
      await expect(r.follows.follow(anEdge(ghost.id, ana!.id), events[1]!)).rejects.toBeInstanceOf(UserNotFoundError);
      expect(await written(r, ...events)).toEqual([]);
      expect(await counters(ana!)).toEqual({ followers: 0, following: 0 });
      expect(await unfollow(r, ana!.id, ghost.id)).toBe(false);
    });

    it('refuses an edge from someone to themselves as no pair of accounts (UserNotFoundError), writing nothing', async () => {
      const [ana] = await people(r, 1);
      const event = followedEvent(ana!, ana!.id);
      await expect(r.follows.follow(anEdge(ana!.id, ana!.id), event)).rejects.toBeInstanceOf(UserNotFoundError);
      expect(await written(r, event)).toEqual([]);
      expect(await counters(ana!)).toEqual({ followers: 0, following: 0 });
    });

    it('pages followers and following newest edge first, strictly before a cursor, each with the other end as it is now', async () => {
      const [star, ...fans] = await people(r, 5);
      const edges = [];
      for (const [i, fan] of fans.entries()) {
        const edge = anEdge(fan.id, star!.id, at(i * 1_000));
        edges.push(edge);
        await r.follows.follow(edge, followedEvent(fan, star!.id));
      }
      await follow(r, star!, fans[0]!);
      const page1 = await r.follows.page(star!.id, 'followers', { limit: 3 });
      expect(page1.map((e) => e.edgeId)).toEqual([edges[3]!.id, edges[2]!.id, edges[1]!.id]);
      expect(page1[0]).toEqual({ edgeId: edges[3]!.id, followedAt: at(3_000), user: await r.users.findById(fans[3]!.id) });
      const page2 = await r.follows.page(star!.id, 'followers', { limit: 3, beforeEdgeId: page1.at(-1)!.edgeId });
      expect(page2.map((e) => e.user.id)).toEqual([fans[0]!.id]);
      expect(page2[0]!.user.followersCount).toBe(1);
      expect(await r.follows.page(star!.id, 'followers', { limit: 3, beforeEdgeId: edges[0]!.id })).toEqual([]);
      expect((await r.follows.page(star!.id, 'following', { limit: 10 })).map((e) => e.user.id)).toEqual([fans[0]!.id]);
      expect((await r.follows.page(fans[2]!.id, 'following', { limit: 10 })).map((e) => e.user.id)).toEqual([star!.id]);
      expect(await r.follows.page(fans[2]!.id, 'followers', { limit: 10 })).toEqual([]);
    });

    it('keeps the edge it was given: changing it afterwards changes nothing stored', async () => {
      const [ana, bob] = await people(r, 2);
      const edge = anEdge(ana!.id, bob!.id, at(7));
      await r.follows.follow(edge, followedEvent(ana!, bob!.id));
      edge.createdAt.setTime(0);
      const [entry] = await r.follows.page(bob!.id, 'followers', { limit: 1 });
      expect(entry!.followedAt).toEqual(at(7));
      entry!.followedAt.setTime(0);
      entry!.user.followingCount = 99;
      expect(await r.follows.page(bob!.id, 'followers', { limit: 1 })).toEqual([{ edgeId: edge.id, followedAt: at(7), user: { ...ana, followingCount: 1 } }]);
    });

    it('takes ids in any letter case as the same uuids', async () => {
      const [ana, bob] = await people(r, 2);
      const upper = { ...ana!, id: ana!.id.toUpperCase() };
      expect(await r.follows.follow(anEdge(upper.id, bob!.id.toUpperCase()), followedEvent(ana!, bob!.id))).toBe(true);
      expect(await follow(r, ana!, bob!)).toBe(false);
      expect((await r.follows.page(bob!.id.toUpperCase(), 'followers', { limit: 10 })).map((e) => e.user.id)).toEqual([ana!.id]);
      expect(await counters(bob!)).toEqual({ followers: 1, following: 0 });
      expect(await unfollow(r, ana!.id.toUpperCase(), bob!.id)).toBe(true);
      expect(await counters(bob!)).toEqual({ followers: 0, following: 0 });
    });

    it('keeps every counter equal to the edges, and one event per change, under a storm of follows and unfollows', async () => {
      const users = await people(r, 3);
      // Mutual pairs included: A→B and B→A in flight together is the deadlock-prone case.
      const pairs = users.flatMap((a) => users.filter((b) => b !== a).map((b) => [a, b] as const));
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          const [from, to] = pairs[i % pairs.length]!;
          return (i * 7) % 3 === 0 ? unfollow(r, from.id, to.id) : follow(r, from, to);
        }),
      );
      const balance = new Map<string, number>();
      for (const e of await eventsAbout(r, ...users.map((u) => u.id))) {
        if (e.type === 'user.followed') balance.set(`${e.data.follower.id}>${e.data.followeeId}`, (balance.get(`${e.data.follower.id}>${e.data.followeeId}`) ?? 0) + 1);
        if (e.type === 'user.unfollowed') balance.set(`${e.data.followerId}>${e.data.followeeId}`, (balance.get(`${e.data.followerId}>${e.data.followeeId}`) ?? 0) - 1);
      }
      for (const user of users) {
        const followers = (await r.follows.page(user.id, 'followers', { limit: 100 })).map((e) => e.user.id);
        const following = (await r.follows.page(user.id, 'following', { limit: 100 })).map((e) => e.user.id);
        expect(await counters(user)).toEqual({ followers: followers.length, following: following.length });
        for (const other of users.filter((u) => u !== user)) expect(balance.get(`${user.id}>${other.id}`) ?? 0).toBe(following.includes(other.id) ? 1 : 0);
      }
    });
  });
}
