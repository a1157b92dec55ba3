import { beforeAll, describe, expect, it } from 'vitest';
import type { ProjectionChange, UserProfile, UserProfileChanges } from '../../src/domain/plan.js';
import type { PreferenceStore, ProjectionStore } from '../../src/domain/ports.js';
import { newUser, type MakeStores } from './stores.js';

const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString();
const follow = (followerId: string, followeeId: string, minute: number): ProjectionChange => ({ kind: 'follow.added', followerId, followeeId, asOf: at(minute) });
const unfollow = (followerId: string, followeeId: string, minute: number): ProjectionChange => ({ kind: 'follow.removed', followerId, followeeId, asOf: at(minute) });
const block = (blockerId: string, blockedId: string, minute: number): ProjectionChange => ({ kind: 'block.added', blockerId, blockedId, asOf: at(minute) });
const unblock = (blockerId: string, blockedId: string, minute: number): ProjectionChange => ({ kind: 'block.removed', blockerId, blockedId, asOf: at(minute) });

/** What every ProjectionStore must do; run against the memory store and PostgreSQL through Prisma. */
export function projectionStoreContract(name: string, make: MakeStores): void {
  describe(`ProjectionStore contract: ${name}`, () => {
    let projections: ProjectionStore;
    let preferences: PreferenceStore;
    beforeAll(async () => {
      ({ projections, preferences } = await make());
    });

    it('pages followers in ascending id order by keyset', async () => {
      const followee = newUser();
      const followers = Array.from({ length: 7 }, newUser).sort();
      await projections.applyChanges(followers.map((f, i) => follow(f, followee, i)));
      const first = await projections.followersPage(followee, null, 3);
      expect(first).toEqual(followers.slice(0, 3));
      expect(await projections.followersPage(followee, first.at(-1)!, 3)).toEqual(followers.slice(3, 6));
      expect(await projections.followersPage(followee, followers[5]!, 3)).toEqual(followers.slice(6));
      expect(await projections.followersPage(followee, followers[6]!, 3)).toEqual([]);
      expect(await projections.followersPage(newUser(), null, 3)).toEqual([]);
    });

    it('applies a follow change only when it is newer than what it holds', async () => {
      const [followee, a, b, c] = [newUser(), newUser(), newUser(), newUser()];
      // a: followed, then unfollowed, then the late (older) follow arrives again: stays unfollowed.
      await projections.applyChanges([follow(a, followee, 1), unfollow(a, followee, 2), follow(a, followee, 1)]);
      // b: the unfollow arrives before the follow it undoes, which is older: stays unfollowed.
      await projections.applyChanges([unfollow(b, followee, 5), follow(b, followee, 4)]);
      // c: unfollowed and followed again later: follows.
      await projections.applyChanges([follow(c, followee, 1), unfollow(c, followee, 2), follow(c, followee, 3)]);
      expect(await projections.followersPage(followee, null, 10)).toEqual([c]);
    });

    it('keeps the newest profile of a user whatever order the events arrive in (seen through the zone defaults)', async () => {
      const id = newUser();
      const profile = (timezone: string): UserProfile => ({ id, username: 'zoe', displayName: 'Zoë', email: 'z@example.com', phone: null, locale: 'en', timezone });
      await projections.applyChanges([{ kind: 'user.upserted', user: profile('Asia/Tokyo'), asOf: at(10) }]);
      await projections.applyChanges([{ kind: 'user.upserted', user: profile('Europe/Lisbon'), asOf: at(1) }]);
      expect((await preferences.get(id)).timezone).toBe('Asia/Tokyo');
      await projections.applyChanges([{ kind: 'user.upserted', user: profile('America/New_York'), asOf: at(11) }]);
      expect((await preferences.get(id)).timezone).toBe('America/New_York');
    });

    it('applies user.updated per field in asOf order: older changes of other fields still apply, older ones of the same field never do', async () => {
      const id = newUser();
      const registered = (minute: number): ProjectionChange => ({
        kind: 'user.upserted', asOf: at(minute),
        user: { id, username: 'uma', displayName: 'Uma', email: 'uma@example.com', phone: '+14155550100', locale: 'en', timezone: 'UTC' },
      });
      const updated = (changes: UserProfileChanges, minute: number): ProjectionChange => ({ kind: 'user.updated', userId: id, changes, asOf: at(minute) });
      await projections.applyChanges([registered(0)]);
      // arrives newest first: the email at 5, then an older phone change at 3 (applies: nothing newer set the
      // phone), then an even older email at 2 (ignored), then a redelivery of the one at 5
      await projections.applyChanges([updated({ email: 'uma@new.example.com', timezone: 'Asia/Tokyo' }, 5)]);
      await projections.applyChanges([updated({ phone: null, displayName: 'Uma U.' }, 3)]);
      await projections.applyChanges([updated({ email: 'uma@old.example.com', locale: 'pt-PT' }, 2), updated({ email: 'uma@new.example.com', timezone: 'Asia/Tokyo' }, 5)]);
      const expected = { id, username: 'uma', displayName: 'Uma U.', email: 'uma@new.example.com', phone: null, locale: 'pt-PT', timezone: 'Asia/Tokyo' };
      expect(await projections.userProfile(id)).toEqual(expected);
      expect((await preferences.get(id)).timezone).toBe('Asia/Tokyo');
      // a replayed registration is older than every field it would set
      await projections.applyChanges([registered(1)]);
      expect(await projections.userProfile(id)).toEqual(expected);
      // a rename, and a newer registration (a re-published snapshot) wins over every older field
      await projections.applyChanges([updated({ username: 'uma_2' }, 6)]);
      expect(await projections.userProfile(id)).toMatchObject({ username: 'uma_2' });
      await projections.applyChanges([registered(9)]);
      expect(await projections.userProfile(id)).toEqual({ id, username: 'uma', displayName: 'Uma', email: 'uma@example.com', phone: '+14155550100', locale: 'en', timezone: 'UTC' });
    });

    it('keeps a user.updated that overtook the registration, and lets the registration fill in the rest', async () => {
      const id = newUser();
      expect(await projections.userProfile(id)).toBeNull();
      await projections.applyChanges([{ kind: 'user.updated', userId: id, changes: { email: 'vi@new.example.com', timezone: 'Europe/Paris' }, asOf: at(5) }]);
      expect(await projections.userProfile(id)).toEqual({ id, email: 'vi@new.example.com', timezone: 'Europe/Paris' });
      expect((await preferences.get(id)).timezone).toBe('Europe/Paris');
      await projections.applyChanges([{
        kind: 'user.upserted', asOf: at(1),
        user: { id, username: 'vi', displayName: 'Vi', email: 'vi@example.com', phone: null, locale: 'fr', timezone: 'UTC' },
      }]);
      expect(await projections.userProfile(id)).toEqual({ id, username: 'vi', displayName: 'Vi', email: 'vi@new.example.com', phone: null, locale: 'fr', timezone: 'Europe/Paris' });
    });

    it('mutes and blocks: mutedBy answers for a whole chunk, unmute undoes, kinds can change', async () => {
      const [actor, a, b, c, d] = [newUser(), newUser(), newUser(), newUser(), newUser()];
      await projections.mute(a, actor, 'mute', new Date(Date.UTC(2024, 0, 1)));
      await projections.mute(b, actor, 'block', new Date(Date.UTC(2024, 0, 2)));
      await projections.mute(c, newUser(), 'mute', new Date());
      expect(await projections.mutedBy([a, b, c, d], actor)).toEqual(new Set([a, b]));
      await projections.mute(a, actor, 'block', new Date(Date.UTC(2024, 0, 3)));
      expect(await projections.mutes(a)).toEqual([{ userId: actor, kind: 'block', createdAt: '2024-01-01T00:00:00.000Z' }]);
      await projections.unmute(a, actor);
      await projections.unmute(a, actor);
      expect(await projections.mutedBy([a, b], actor)).toEqual(new Set([b]));
      expect(await projections.mutedBy([], actor)).toEqual(new Set());
    });

    it('turns a user.blocked into a block entry in the blocker’s mutes, and the newest block event of a pair wins', async () => {
      const [blocker, blocked, other] = [newUser(), newUser(), newUser()];
      await projections.applyChanges([block(blocker, blocked, 2)]);
      expect(await projections.mutes(blocker)).toEqual([{ userId: blocked, kind: 'block', createdAt: at(2) }]);
      expect(await projections.unreachable([blocker, other], blocked)).toEqual(new Set([blocker]));
      // the blocked person is not muted by it the other way round
      expect(await projections.mutedBy([blocked], blocker)).toEqual(new Set());

      // a redelivery, and an older unblock arriving late: nothing changes
      await projections.applyChanges([block(blocker, blocked, 2), unblock(blocker, blocked, 1)]);
      expect(await projections.mutedBy([blocker], blocked)).toEqual(new Set([blocker]));
      // the unblock removes it; the block it undoes, delivered again, does not bring it back
      await projections.applyChanges([unblock(blocker, blocked, 3), block(blocker, blocked, 2)]);
      expect(await projections.mutes(blocker)).toEqual([]);
      // blocked again later: back
      await projections.applyChanges([block(blocker, blocked, 4)]);
      expect(await projections.mutedBy([blocker], blocked)).toEqual(new Set([blocker]));
    });

    it('keeps the block entry of a user.blocked against the mutes routes until its user.unblocked', async () => {
      const [blocker, blocked] = [newUser(), newUser()];
      await projections.applyChanges([block(blocker, blocked, 1)]);
      await projections.unmute(blocker, blocked);
      expect(await projections.mutedBy([blocker], blocked)).toEqual(new Set([blocker]));
      await projections.applyChanges([unblock(blocker, blocked, 2)]);
      expect(await projections.mutes(blocker)).toEqual([]);
      // after the unblock the mutes routes are in charge again
      await projections.mute(blocker, blocked, 'mute', new Date(at(3)));
      await projections.unmute(blocker, blocked);
      expect(await projections.mutes(blocker)).toEqual([]);
    });

    it('turns an existing mute into a block, and leaves a mute set during the block in place after the unblock', async () => {
      const [blocker, blocked, other] = [newUser(), newUser(), newUser()];
      await projections.mute(blocker, blocked, 'mute', new Date(at(0)));
      await projections.applyChanges([block(blocker, blocked, 1)]);
      expect(await projections.mutes(blocker)).toEqual([{ userId: blocked, kind: 'block', createdAt: at(0) }]);
      await projections.applyChanges([unblock(blocker, blocked, 2)]);
      expect(await projections.mutes(blocker)).toEqual([]);

      await projections.applyChanges([block(blocker, other, 3)]);
      await projections.mute(blocker, other, 'mute', new Date(at(4)));
      await projections.applyChanges([unblock(blocker, other, 5)]);
      expect(await projections.mutes(blocker)).toEqual([{ userId: other, kind: 'mute', createdAt: at(3) }]);
    });

    it('lists mutes newest first', async () => {
      const [user, x, y] = [newUser(), newUser(), newUser()];
      await projections.mute(user, x, 'mute', new Date(Date.UTC(2024, 0, 1)));
      await projections.mute(user, y, 'block', new Date(Date.UTC(2024, 0, 2)));
      expect((await projections.mutes(user)).map((m) => [m.userId, m.kind])).toEqual([[y, 'block'], [x, 'mute']]);
    });
  });
}
