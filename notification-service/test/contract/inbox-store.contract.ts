import { beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import type { InboxStore } from '../../src/domain/ports.js';
import { FALLBACK_DELAY_MS, item, many, newUser, plusMs, seed, type MakeStores } from './stores.js';

/** What every InboxStore must do; run against the memory store and PostgreSQL through Prisma. */
/** Items of one recipient, as settleOnline takes them. */
const seenBy = (recipientId: string, ...ids: string[]) => ids.map((notificationId) => ({ recipientId, notificationId }));

export function inboxStoreContract(name: string, make: MakeStores): void {
  describe(`InboxStore contract: ${name}`, () => {
    let inbox: InboxStore;
    beforeAll(async () => {
      ({ inbox } = await make());
    });

    const channelsOf = async (id: string, viewer: string) =>
      ((await inbox.deliveryStatuses([id], viewer)).get(id) ?? []).map((c) => `${c.channel}:${c.status}${c.reason ? `:${c.reason}` : ''}`);

    it('claims each (event, recipient) once and returns only the newly claimed', async () => {
      const [a, b, c] = [newUser(), newUser(), newUser()].sort();
      const event = uuidv7();
      expect(await inbox.transaction((uow) => uow.claimReceipts([{ eventId: event, recipientIds: [b!, a!] }]).then(([own]) => own))).toEqual([a, b]);
      expect(await inbox.transaction((uow) => uow.claimReceipts([{ eventId: event, recipientIds: [b!, c!] }]).then(([own]) => own))).toEqual([c]);
      expect(await inbox.transaction((uow) => uow.claimReceipts([{ eventId: uuidv7(), recipientIds: [a!] }]).then(([own]) => own))).toEqual([a]);
    });

    it('claims the receipts of several events in one call, each group on its own', async () => {
      const [a, b] = [newUser(), newUser()].sort();
      const [e1, e2] = [uuidv7(), uuidv7()];
      await inbox.transaction((uow) => uow.claimReceipts([{ eventId: e1, recipientIds: [a!] }]));
      const claims = await inbox.transaction((uow) => uow.claimReceipts([{ eventId: e1, recipientIds: [b!, a!] }, { eventId: e2, recipientIds: [a!] }, { eventId: uuidv7(), recipientIds: [] }]));
      expect(claims).toEqual([[b], [a], []]);
    });

    it('says when the earliest of some receipts was claimed, and nothing for receipts never claimed', async () => {
      const [a, b] = [newUser(), newUser()];
      const event = uuidv7();
      const before = Date.now();
      await inbox.transaction((uow) => uow.claimReceipts([{ eventId: event, recipientIds: [a] }]).then(([own]) => own));
      const since = await inbox.transaction((uow) => uow.claimedSince(event, [a, b]));
      expect(since).toBeInstanceOf(Date);
      // The database's clock, not this process's: only a sanity bound (a minute), not a timing.
      expect(Math.abs(since!.getTime() - before)).toBeLessThan(60_000);
      expect(await inbox.transaction((uow) => uow.claimedSince(event, [b]))).toBeUndefined();
      expect(await inbox.transaction((uow) => uow.claimedSince(uuidv7(), [a]))).toBeUndefined();
    });

    it('numbers each person\'s stream 1, 2, 3, ...: per person, and not when the transaction rolls back', async () => {
      const [a, b] = [newUser(), newUser()];
      expect(await inbox.streamHead(a)).toEqual({ unread: 0, seq: 0 });
      expect(await inbox.transaction((uow) => uow.nextSeqs([b, a]))).toEqual(new Map([[a, 1], [b, 1]]));
      expect(await inbox.transaction((uow) => uow.nextSeqs([a]))).toEqual(new Map([[a, 2]]));
      await expect(inbox.transaction(async (uow) => {
        await uow.nextSeqs([a]);
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await inbox.transaction((uow) => uow.nextSeqs([a, b]))).toEqual(new Map([[a, 3], [b, 2]]));
      expect((await inbox.streamHead(a)).seq).toBe(3);
    });

    it('a person listed twice takes two numbers; the highest is returned', async () => {
      const [a, b] = [newUser(), newUser()];
      expect(await inbox.transaction((uow) => uow.nextSeqs([a, b, a]))).toEqual(new Map([[a, 2], [b, 1]]));
      expect(await inbox.transaction((uow) => uow.nextSeqs([a, a, a]))).toEqual(new Map([[a, 5]]));
      expect((await inbox.streamHead(a)).seq).toBe(5);
    });

    it('concurrent chunks for the same person get distinct, gap-free numbers', async () => {
      const user = newUser();
      const others = Array.from({ length: 5 }, newUser);
      const got = await Promise.all(Array.from({ length: 8 }, (_, i) => inbox.transaction((uow) => uow.nextSeqs([others[i % 5]!, user]))));
      expect(got.map((m) => m.get(user)).sort((x, y) => x! - y!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('reads many people\'s stream heads in one call (a batch of hellos): keyed as asked, nobody left out', async () => {
      const [a, b, nobody] = [newUser(), newUser(), newUser()];
      await inbox.transaction((uow) => uow.nextSeqs([a]));
      await inbox.transaction((uow) => uow.nextSeqs([a]));
      await inbox.transaction((uow) => uow.insertNotifications([{ recipientId: b, notification: item() }, { recipientId: b, notification: item() }]));
      const heads = await inbox.streamHeads([a, b.toUpperCase(), nobody]);
      expect(heads).toEqual(new Map([[a, { unread: 0, seq: 2 }], [b.toUpperCase(), { unread: 2, seq: 0 }], [nobody, { unread: 0, seq: 0 }]]));
      expect(await inbox.streamHeads([])).toEqual(new Map());
    });

    it('keeps each item\'s number: pages and the resume query carry it', async () => {
      const user = newUser();
      const t0 = Date.now();
      const first = item({ id: uuidv7(t0), seq: 1 });
      const second = item({ id: uuidv7(t0 + 5), seq: 2 });
      await inbox.transaction((uow) => uow.insertNotifications([{ recipientId: user, notification: first }, { recipientId: user, notification: second }]));
      expect((await inbox.listAfter(user, first.id, 10)).map((n) => [n.id, n.seq])).toEqual([[second.id, 2]]);
      expect((await inbox.list(user, { limit: 10 })).items.map((n) => n.seq)).toEqual([2, 1]);
      // No stream row was taken (the items were inserted directly): the head says 0.
      expect(await inbox.streamHead(user)).toEqual({ unread: 2, seq: 0 });
    });

    it('a transaction that throws leaves nothing behind: no receipt, no item', async () => {
      const user = newUser();
      const event = uuidv7();
      const n = item();
      const failed = inbox.transaction(async (uow) => {
        await uow.claimReceipts([{ eventId: event, recipientIds: [user] }]).then(([own]) => own);
        await uow.insertNotifications([{ recipientId: user, notification: n }]);
        throw new Error('boom');
      });
      await expect(failed).rejects.toThrow('boom');
      expect(await inbox.transaction((uow) => uow.claimReceipts([{ eventId: event, recipientIds: [user] }]).then(([own]) => own))).toEqual([user]);
      expect((await inbox.list(user, { limit: 10 })).items).toEqual([]);
    });

    it('lists newest first in pages, then resumes oldest first after an id', async () => {
      const user = newUser();
      const seeded = await seed(inbox, user, many(5));
      const ids = seeded.map((s) => s.id);
      const first = await inbox.list(user, { limit: 2 });
      expect(first.items.map((n) => n.id)).toEqual([ids[4], ids[3]]);
      expect(first.nextCursor).toBe(ids[3]);
      const second = await inbox.list(user, { limit: 2, cursor: first.nextCursor });
      expect(second.items.map((n) => n.id)).toEqual([ids[2], ids[1]]);
      const last = await inbox.list(user, { limit: 2, cursor: second.nextCursor });
      expect(last).toEqual({ items: [seeded[0]!.notification], nextCursor: null });
      expect((await inbox.listAfter(user, ids[1]!, 10)).map((n) => n.id)).toEqual(ids.slice(2));
      expect(await inbox.listAfter(user, ids[4]!, 10)).toEqual([]);
    });

    it('stores every field of the public shape and gives it back unchanged', async () => {
      const user = newUser();
      const full = item({
        type: 'like',
        priority: 'low',
        actor: { id: newUser(), username: 'ana', displayName: 'Ana 🌻' },
        object: { kind: 'post', id: newUser() },
        title: 'Ana liked your post',
        body: 'Zoë’s “post”',
        data: { postId: 'x', nested: { list: [1, 'two', null] } },
        groupKey: 'like:post:x',
        count: 1,
      });
      await inbox.transaction((uow) => uow.insertNotifications([{ recipientId: user, notification: full }]));
      expect((await inbox.list(user, { limit: 1 })).items).toEqual([full]);
    });

    it('unread pages and exact unread counts; reading changes only the reader\'s own items', async () => {
      const [user, other] = [newUser(), newUser()];
      const seeded = await seed(inbox, user, many(4));
      const [foreign] = await seed(inbox, other);
      expect(await inbox.markRead([seeded[1]!.id, foreign!.id, uuidv7()], user, new Date())).toEqual([seeded[1]!.id]);
      expect(await inbox.markRead([seeded[1]!.id], user, new Date())).toEqual([]);
      expect(await inbox.unreadCount(user)).toBe(3);
      expect(await inbox.unreadCount(other)).toBe(1);
      expect((await inbox.list(user, { limit: 10, unreadOnly: true })).items.map((n) => n.id)).toEqual([seeded[3]!.id, seeded[2]!.id, seeded[0]!.id]);
      const read = (await inbox.list(user, { limit: 10 })).items.find((n) => n.id === seeded[1]!.id)!;
      expect(read.readAt).not.toBeNull();
      const nobody = newUser();
      expect(await inbox.unreadCounts([user, nobody, other])).toEqual(new Map([[user, 3], [nobody, 0], [other, 1]]));
      expect(await inbox.markAllRead(user, new Date())).toBe(3);
      expect(await inbox.markAllRead(user, new Date())).toBe(0);
      expect(await inbox.unreadCounts([user, other])).toEqual(new Map([[user, 0], [other, 1]]));
    });

    it('reading clears the timer and settles deliveries: in_app read, what was not sent cancelled, what was sent read, a final one keeps its reason', async () => {
      const user = newUser();
      const [scheduled] = await seed(inbox, user);
      const [fired] = await seed(inbox, user, [{}], {
        fallback: null,
        rows: { email: { status: 'sent' }, sms: { status: 'queued' }, slack: { status: 'skipped', reason: 'no_address' } },
      });
      const [digested] = await seed(inbox, user, [{}], { fallback: null, rows: { email: { status: 'pending', digest: 'daily' } } });
      const [seenLive] = await seed(inbox, user);
      expect(await channelsOf(scheduled!.id, user)).toEqual(['in_app:delivered', 'email:scheduled']);
      const readAt = new Date();
      expect(await inbox.markRead([scheduled!.id], user, readAt)).toEqual([scheduled!.id]);
      const settled = (await inbox.deliveryStatuses([scheduled!.id], user)).get(scheduled!.id)!;
      expect(settled.map((c) => `${c.channel}:${c.status}:${c.reason}`)).toEqual(['in_app:read:undefined', 'email:cancelled:read']);
      expect(settled[1]!.updatedAt).toBe(readAt.toISOString());
      expect(await inbox.settleOnline(seenBy(user, seenLive!.id), 300_000)).toBe(1);
      expect(await inbox.markAllRead(user, new Date())).toBe(3);
      expect(await channelsOf(fired!.id, user)).toEqual(['in_app:read', 'email:read', 'sms:cancelled:read', 'slack:skipped:no_address']);
      expect(await channelsOf(digested!.id, user)).toEqual(['in_app:read', 'email:cancelled:read']);
      expect(await channelsOf(seenLive!.id, user)).toEqual(['in_app:read', 'email:skipped:delivered_live']);
      // A cleared timer is not set again, and a read item's timer is not escalated.
      expect(await inbox.settleOnline(seenBy(user, scheduled!.id, seenLive!.id), 300_000)).toBe(0);
      expect(await channelsOf(scheduled!.id, user)).toEqual(['in_app:read', 'email:cancelled:read']);
    });

    it('finds open groups, supersedes the old item, and reading the old id reads its successor', async () => {
      const [user, other] = [newUser(), newUser()];
      const key = `like:post:${uuidv7()}`;
      const [readOne] = await seed(inbox, user, [{ groupKey: key, count: 1 }]);
      await inbox.markRead([readOne!.id], user, new Date());
      const [head] = await seed(inbox, user, [{ groupKey: key, count: 1 }], { rows: { sms: { status: 'pending', digest: 'daily' }, slack: { status: 'sent' } } });
      await seed(inbox, user, [{ groupKey: 'like:post:other', count: 1 }]);
      await seed(inbox, user, [{ groupKey: key, count: 1 }], { inInbox: false });
      const [othersHead] = await seed(inbox, other, [{ groupKey: key, count: 1 }]);
      const open = await inbox.transaction((uow) => uow.openGroups([{ groupKey: key, recipientIds: [user, other, newUser()] }]).then(([own]) => own!));
      expect([...open.keys()].sort()).toEqual([user, other].sort());
      expect(open.get(user)!.id).toBe(head!.id);
      expect(open.get(other)!.id).toBe(othersHead!.id);

      const successor = item({ groupKey: key, count: 2 });
      await inbox.transaction(async (uow) => {
        await uow.insertNotifications([{ recipientId: user, notification: successor }]);
        await uow.supersede([{ recipientId: user, oldId: head!.id, newId: successor.id }]);
      });
      expect((await inbox.list(user, { limit: 10 })).items.map((n) => n.id)).not.toContain(head!.id);
      expect(await inbox.listAfter(user, readOne!.id, 10).then((l) => l.map((n) => n.id))).not.toContain(head!.id);
      // The old item's timer and pending rows would announce a stale count; what was sent stays as it is.
      expect(await channelsOf(head!.id, user)).toEqual(['in_app:delivered', 'email:cancelled:superseded', 'sms:cancelled:superseded', 'slack:sent']);
      expect(await inbox.settleOnline(seenBy(user, head!.id), 300_000)).toBe(0);
      expect(await inbox.unreadCount(user)).toBe(2);
      expect((await inbox.transaction((uow) => uow.openGroups([{ groupKey: key, recipientIds: [user] }]).then(([own]) => own!))).get(user)!.id).toBe(successor.id);
      expect(await inbox.markRead([head!.id], user, new Date())).toEqual([successor.id]);
      expect(await inbox.ownedBy([head!.id, othersHead!.id, uuidv7()], user)).toEqual(new Set([head!.id]));
    });

    it('an item kept only for its fallbacks is never listed or counted, but has a status', async () => {
      const user = newUser();
      const [hidden] = await seed(inbox, user, [{}], { inInbox: false });
      expect((await inbox.list(user, { limit: 10 })).items).toEqual([]);
      expect(await inbox.listAfter(user, uuidv7(0), 10)).toEqual([]);
      expect(await inbox.unreadCount(user)).toBe(0);
      expect(await inbox.markAllRead(user, new Date())).toBe(0);
      expect(await channelsOf(hidden!.id, user)).toEqual(['in_app:delivered', 'email:scheduled']);
    });

    it('shows delivery status to the recipient and the sender only, channels in order, timer channels as scheduled', async () => {
      const [user, sender, stranger] = [newUser(), newUser(), newUser()];
      const [n] = await seed(inbox, user, [{}], { senderId: sender, fallback: ['slack', 'email'], rows: { sms: { status: 'pending', digest: 'weekly' } } });
      const statuses = await inbox.deliveryStatuses([n!.id, uuidv7()], sender);
      expect([...statuses.keys()]).toEqual([n!.id]);
      const notBefore = plusMs(n!.notification.createdAt, FALLBACK_DELAY_MS);
      expect(statuses.get(n!.id)).toEqual([
        { channel: 'in_app', status: 'delivered', attempts: 0, updatedAt: expect.any(String) },
        { channel: 'email', status: 'scheduled', attempts: 0, notBefore, updatedAt: n!.notification.createdAt },
        { channel: 'sms', status: 'pending', attempts: 0, digest: 'weekly', updatedAt: expect.any(String) },
        { channel: 'slack', status: 'scheduled', attempts: 0, notBefore, updatedAt: n!.notification.createdAt },
      ]);
      expect((await inbox.deliveryStatuses([n!.id], user)).size).toBe(1);
      expect((await inbox.deliveryStatuses([n!.id], stranger)).size).toBe(0);
    });

    it('settleOnline clears the timers of items seen live, escalates critical ones, and counts only what changed', async () => {
      const user = newUser();
      const [a, b] = await seed(inbox, user, many(2));
      const [critical] = await seed(inbox, user, [{ type: 'alert', category: 'alert', priority: 'critical' }]);
      const [read] = await seed(inbox, user);
      const [noTimer] = await seed(inbox, user, [{}], { fallback: null });
      const [untouched] = await seed(inbox, user);
      await inbox.markRead([read!.id], user, new Date());
      expect(await inbox.settleOnline(seenBy(user, a!.id, b!.id, critical!.id, read!.id, noTimer!.id, uuidv7()), 300_000)).toBe(3);
      expect(await inbox.settleOnline(seenBy(user, a!.id, b!.id, read!.id, noTimer!.id), 300_000)).toBe(0);
      // An item is settled only for its own recipient.
      expect(await inbox.settleOnline(seenBy(newUser(), untouched!.id), 300_000)).toBe(0);
      expect(await channelsOf(a!.id, user)).toEqual(['in_app:delivered', 'email:skipped:delivered_live']);
      expect(await channelsOf(b!.id, user)).toEqual(['in_app:delivered', 'email:skipped:delivered_live']);
      // Critical: still goes out if left unread, ESCALATE_AFTER_MS after creation instead of the fallback delay.
      const [, email] = (await inbox.deliveryStatuses([critical!.id], user)).get(critical!.id)!;
      expect(email).toMatchObject({ channel: 'email', status: 'scheduled', notBefore: plusMs(critical!.notification.createdAt, 300_000) });
      expect(await channelsOf(read!.id, user)).toEqual(['in_app:read', 'email:cancelled:read']);
      expect(await channelsOf(noTimer!.id, user)).toEqual(['in_app:delivered']);
      expect(await channelsOf(untouched!.id, user)).toEqual(['in_app:delivered', 'email:scheduled']);
      expect(await inbox.settleOnline([], 300_000)).toBe(0);
    });

    it('records a send request once and finds it', async () => {
      const sender = newUser();
      const record = { senderId: sender, idempotencyKey: 'key-1', eventId: uuidv7(), requestHash: 'a'.repeat(64), ids: [uuidv7(), uuidv7()] };
      expect(await inbox.transaction((uow) => uow.recordSendRequest(record))).toBe(true);
      expect(await inbox.transaction((uow) => uow.recordSendRequest({ ...record, ids: [] }))).toBe(false);
      expect(await inbox.findSendRequest(sender, 'key-1')).toEqual(record);
      expect(await inbox.findSendRequest(sender, 'key-2')).toBeNull();
    });

    it('claims a receipt exactly once among concurrent transactions', async () => {
      const user = newUser();
      const event = uuidv7();
      const claims = await Promise.all(Array.from({ length: 6 }, () => inbox.transaction((uow) => uow.claimReceipts([{ eventId: event, recipientIds: [user] }]).then(([own]) => own))));
      expect(claims.flat()).toEqual([user]);
    });

    it('keeps the unread count exact under concurrent inserts and reads', async () => {
      const user = newUser();
      const seeded = await seed(inbox, user, many(30));
      const inserts = Array.from({ length: 20 }, () => seed(inbox, user));
      const reads = seeded.slice(0, 15).map((s) => inbox.markRead([s.id], user, new Date()));
      const changed = await Promise.all([...reads, ...inserts.map((p) => p.then(() => []))]);
      expect(changed.flat()).toHaveLength(15);
      expect(await inbox.unreadCount(user)).toBe(30 - 15 + 20);
      expect((await inbox.list(user, { limit: 100, unreadOnly: true })).items).toHaveLength(35);
    });
  });
}
