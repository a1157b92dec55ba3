import { beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import type { ProjectionChange } from '../../src/domain/plan.js';
import { item, newUser, seed, type MakeStores, type Stores } from './stores.js';

const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString();
const follow = (followerId: string, followeeId: string, minute: number): ProjectionChange => ({ kind: 'follow.added', followerId, followeeId, asOf: at(minute) });
const registered = (id: string, minute: number): ProjectionChange => ({
  kind: 'user.upserted', asOf: at(minute),
  user: { id, username: `u${id.slice(-6)}`, displayName: 'Someone', email: `${id.slice(-6)}@example.com`, phone: '+14155550100', locale: 'pt-PT', timezone: 'Europe/Lisbon' },
});

/**
 * What every UserErasure (with the stores it works on) must do for user.deleted: run against the
 * memory stores and PostgreSQL through Prisma.
 */
export function erasureContract(name: string, make: MakeStores): void {
  describe(`UserErasure contract: ${name}`, () => {
    let s: Stores;
    beforeAll(async () => {
      s = await make();
    });

    it('erases every item of the person (listed, read, superseded, fallback-only), their preferences, mutes and follows both ways', async () => {
      const [gone, friend, other] = [newUser(), newUser(), newUser()];
      await s.projections.applyChanges([registered(gone, 0), registered(friend, 0), follow(gone, friend, 1), follow(friend, gone, 1), follow(other, friend, 1)]);
      const [listed, read] = await seed(s.inbox, gone, [{}, {}]);
      await s.inbox.markRead([read!.id], gone, new Date());
      await seed(s.inbox, gone, [{}], { inInbox: false });
      const key = `like:post:${uuidv7()}`;
      const [head] = await seed(s.inbox, gone, [{ groupKey: key, count: 1 }]);
      const successor = item({ groupKey: key, count: 2 });
      await s.inbox.transaction(async (uow) => {
        await uow.insertNotifications([{ recipientId: gone, notification: successor }]);
        await uow.supersede([{ recipientId: gone, oldId: head!.id, newId: successor.id }]);
        await uow.claimReceipts([{ eventId: uuidv7(), recipientIds: [gone, friend] }]);
      });
      const [friends] = await seed(s.inbox, friend, [{ actor: { id: gone, username: 'gone', displayName: 'Gone' } }]);
      await s.preferences.put(gone, { ...(await s.preferences.get(gone)), frequency: 'weekly' });
      await s.projections.mute(gone, other, 'block', new Date());
      await s.projections.mute(friend, gone, 'mute', new Date());
      await s.projections.applyChanges([
        { kind: 'block.added', blockerId: gone, blockedId: other, asOf: at(2) },
        { kind: 'block.added', blockerId: other, blockedId: gone, asOf: at(2) },
      ]);

      const erased = await s.erasure.eraseUser(gone, new Date(at(30)));
      expect(erased).toMatchObject({ notifications: 5, receipts: 1, preferences: 1, mutes: 3, blocks: 2, follows: 2 });
      expect(await s.projections.mutes(other)).toEqual([]);

      expect(await s.inbox.ownedBy([listed!.id, read!.id, head!.id, successor.id], gone)).toEqual(new Set());
      expect(await s.inbox.unreadCount(gone)).toBe(0);
      expect((await s.inbox.list(gone, { limit: 10 })).items).toEqual([]);
      expect(await s.inbox.deliveryStatuses([listed!.id], gone)).toEqual(new Map());
      expect((await s.preferences.get(gone)).frequency).toBe('instant');
      expect(await s.projections.mutes(gone)).toEqual([]);
      expect(await s.projections.mutes(friend)).toEqual([]);
      expect(await s.projections.followersPage(friend, null, 10)).toEqual([other]);
      expect(await s.projections.followersPage(gone, null, 10)).toEqual([]);
      // What others received stays theirs, the person's name in it included.
      expect(await s.inbox.ownedBy([friends!.id], friend)).toEqual(new Set([friends!.id]));
      // The tombstone: no profile field left (so no address to send to), not a known recipient.
      expect(await s.projections.userProfile(gone)).toEqual({ id: gone });
      expect(await s.projections.knownUsers([gone, friend])).toEqual(new Set([friend]));

      // Idempotent: a repeat erases nothing more.
      const again = await s.erasure.eraseUser(gone, new Date(at(31)));
      expect(Object.values(again).every((n) => n === 0)).toBe(true);
      expect(await s.projections.userProfile(gone)).toEqual({ id: gone });
    });

    it('no event after the deletion writes the profile or an edge back, whatever its asOf', async () => {
      const [gone, friend] = [newUser(), newUser()];
      await s.projections.applyChanges([registered(gone, 0)]);
      await s.erasure.eraseUser(gone, new Date(at(10)));
      await s.projections.applyChanges([
        registered(gone, 5),
        registered(gone, 50),
        { kind: 'user.updated', userId: gone, changes: { email: 'back@example.com', timezone: 'Asia/Tokyo' }, asOf: at(60) },
        follow(gone, friend, 70),
        follow(friend, gone, 70),
        { kind: 'block.added', blockerId: friend, blockedId: gone, asOf: at(70) },
        { kind: 'block.added', blockerId: gone, blockedId: friend, asOf: at(70) },
      ]);
      expect(await s.projections.mutes(friend)).toEqual([]);
      expect(await s.projections.mutes(gone)).toEqual([]);
      expect(await s.projections.userProfile(gone)).toEqual({ id: gone });
      expect((await s.preferences.get(gone)).timezone).toBe('UTC');
      expect(await s.projections.followersPage(friend, null, 10)).toEqual([]);
      expect(await s.projections.followersPage(gone, null, 10)).toEqual([]);
    });

    it('a deletion that overtakes the registration leaves a tombstone all the same', async () => {
      const early = newUser();
      await s.erasure.eraseUser(early, new Date(at(10)));
      await s.projections.applyChanges([registered(early, 1)]);
      expect(await s.projections.userProfile(early)).toEqual({ id: early });
      expect(await s.projections.knownUsers([early])).toEqual(new Set());
    });

    it('unreachable: muted-by and deleted recipients for a chunk, everyone when the actor is deleted, deleted ones only without an actor', async () => {
      const [actor, muter, deleted, plain, gone] = [newUser(), newUser(), newUser(), newUser(), newUser()];
      await s.projections.applyChanges([registered(actor, 0), registered(muter, 0), registered(deleted, 0), registered(plain, 0), registered(gone, 0)]);
      await s.projections.mute(muter, actor, 'mute', new Date());
      await s.erasure.eraseUser(deleted, new Date());
      expect(await s.projections.unreachable([muter, deleted, plain], actor)).toEqual(new Set([muter, deleted]));
      expect(await s.projections.unreachable([muter, deleted, plain])).toEqual(new Set([deleted]));
      expect(await s.projections.unreachable([], actor)).toEqual(new Set());
      await s.erasure.eraseUser(gone, new Date());
      const stranger = newUser();
      expect(await s.projections.unreachable([muter, plain, stranger], gone)).toEqual(new Set([muter, plain, stranger]));
      // Several chunks at once (the chunk batcher): each group answered as unreachable() would.
      expect(await s.projections.unreachableMany([
        { recipientIds: [muter, deleted, plain], actorId: actor },
        { recipientIds: [muter, deleted, plain] },
        { recipientIds: [], actorId: actor },
        { recipientIds: [muter, plain, stranger], actorId: gone },
        { recipientIds: [actor, muter], actorId: plain },
      ])).toEqual([new Set([muter, deleted]), new Set([deleted]), new Set(), new Set([muter, plain, stranger]), new Set()]);
    });
  });
}
