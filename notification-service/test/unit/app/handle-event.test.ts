import { describe, expect, it } from 'vitest';
import { PermanentError } from '@herald/platform';
import { handleEvent } from '../../../src/app/handle-event.js';
import { ana, bo, commentCreated, cy, di, ed, event, id, messageSent, postCreated, postLiked, userFollowed } from '../domain/mother.js';
import { memoryWorld, type MemoryWorld } from '../../support/memory-deps.js';

const follow = (w: MemoryWorld, followerId: string, followeeId: string) =>
  w.projections.applyChanges([{ kind: 'follow.added', followerId, followeeId, asOf: '2024-01-01T00:00:00Z' }]);

const listed = async (w: MemoryWorld, userId: string) => (await w.inbox.list(userId, { limit: 100 })).items;

describe('handleEvent: who gets what', () => {
  it('tells the followee about a follow, and projects the edge first', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, userFollowed());
    expect(await w.projections.followersPage(bo.id, null, 10)).toEqual([ana.id]);
    const [item] = await listed(w, bo.id);
    expect(item).toMatchObject({ type: 'follow', actor: ana, object: { kind: 'user', id: bo.id }, title: 'Ana followed you', groupKey: `follow:user:${bo.id}`, count: 1 });
    expect(await listed(w, ana.id)).toEqual([]);
  });

  it("gives the author's followers a post and the mentioned a mention instead, never the author", async () => {
    const w = memoryWorld();
    for (const follower of [bo, cy, di]) await follow(w, follower.id, ana.id);
    await handleEvent(w.deps, postCreated({ mentionedUserIds: [cy.id, ed.id, ana.id] }));
    expect((await listed(w, bo.id)).map((n) => n.type)).toEqual(['post']);
    expect((await listed(w, cy.id)).map((n) => n.type)).toEqual(['mention']);
    expect((await listed(w, di.id)).map((n) => n.type)).toEqual(['post']);
    expect((await listed(w, ed.id)).map((n) => n.type)).toEqual(['mention']);
    expect(await listed(w, ana.id)).toEqual([]);
  });

  it('tells the post author about a comment, and a mentioned post author only once', async () => {
    const w = memoryWorld();
    const event = commentCreated({ mentionedUserIds: [bo.id, cy.id] });
    await handleEvent(w.deps, event);
    expect((await listed(w, bo.id)).map((n) => n.type)).toEqual(['comment']);
    expect((await listed(w, cy.id)).map((n) => [n.type, n.title])).toEqual([['mention', 'Ana mentioned you in a comment']]);
    // bo was in two targets of one event: the second finding the receipt claimed is no redelivery.
    expect(w.live.catchUps).toEqual([]);
    // A real redelivery of the same event: bo's and cy's sockets catch up instead of getting nothing.
    await handleEvent(w.deps, event);
    expect(w.live.catchUps.flatMap((c) => c.userIds).sort()).toEqual([bo.id, cy.id].sort());
    expect(w.inbox.all()).toHaveLength(2);
  });

  it('tells the recipient about a message, and nobody about their own like', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, messageSent());
    await handleEvent(w.deps, postLiked({ postAuthorId: ana.id, liker: ana }));
    expect((await listed(w, bo.id)).map((n) => [n.type, n.priority, n.body])).toEqual([['message', 'high', 'Lunch?']]);
    expect(await listed(w, ana.id)).toEqual([]);
  });

  it('keeps the registered user and gives them defaults in their own time zone', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, event('user.registered', { userId: cy.id, username: 'cy', displayName: 'Cy', email: 'cy@example.com', phone: null, locale: 'en', timezone: 'Europe/Lisbon' }));
    expect(w.projections.user(cy.id)).toMatchObject({ username: 'cy', timezone: 'Europe/Lisbon' });
    expect((await w.preferences.get(cy.id)).timezone).toBe('Europe/Lisbon');
  });

  it('applies a later user.updated to the profile and the default zone, and acks its own user.address_bounced', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, event('user.registered', { userId: cy.id, username: 'cy', displayName: 'Cy', email: 'cy@example.com', phone: null, locale: 'en', timezone: 'Europe/Lisbon' }));
    await handleEvent(w.deps, event('user.updated', { userId: cy.id, changes: { email: 'cy@new.example.com', timezone: 'Asia/Tokyo' } }, new Date('2024-05-01T12:05:00Z')));
    await handleEvent(w.deps, event('user.address_bounced', { userId: cy.id, channel: 'email', address: 'cy@example.com' }));
    expect(w.projections.user(cy.id)).toMatchObject({ username: 'cy', email: 'cy@new.example.com', timezone: 'Asia/Tokyo' });
    expect((await w.preferences.get(cy.id)).timezone).toBe('Asia/Tokyo');
    expect(await listed(w, cy.id)).toEqual([]);
  });

  it('a session.revoked closes the live sessions it names (and nothing lands in any inbox)', async () => {
    const w = memoryWorld();
    const sid = id(901);
    await handleEvent(w.deps, event('session.revoked', { userId: cy.id, sessionIds: [sid], reason: 'logout' }));
    await handleEvent(w.deps, event('session.revoked', { userId: cy.id, keepSessionId: sid, reason: 'password_changed' }));
    expect(w.live.revocations).toEqual([{ userId: cy.id, sessionIds: [sid] }, { userId: cy.id, keepSessionId: sid }]);
    expect(await listed(w, cy.id)).toEqual([]);
  });

  it('an unfollow stops the posts', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, userFollowed({ follower: bo, followeeId: ana.id }));
    await handleEvent(w.deps, event('user.unfollowed', { followerId: bo.id, followeeId: ana.id }, new Date('2024-05-01T12:01:00Z')));
    await handleEvent(w.deps, postCreated());
    expect((await listed(w, bo.id)).map((n) => n.type)).toEqual([]);
  });
});

describe('handleEvent: bad and unknown input', () => {
  it('throws PermanentError for a malformed event (so the bus dead-letters it) and counts it', async () => {
    const w = memoryWorld();
    const broken = { ...postLiked(), data: { postId: 'not-a-uuid' } };
    await expect(handleEvent(w.deps, broken)).rejects.toBeInstanceOf(PermanentError);
    await expect(handleEvent(w.deps, 'just a string')).rejects.toBeInstanceOf(PermanentError);
    expect(w.metrics.malformed).toBe(2);
    expect(w.inbox.all()).toEqual([]);
  });

  it('acks an event of an unknown type (resolves) and counts it', async () => {
    const w = memoryWorld();
    const future = { ...postLiked(), type: 'post.boosted', data: { anything: true } };
    await expect(handleEvent(w.deps, future)).resolves.toBeUndefined();
    expect(w.metrics.unknown).toBe(1);
    expect(w.metrics.malformed).toBe(0);
    expect(w.inbox.all()).toEqual([]);
  });
});

describe('handleEvent: idempotency', () => {
  it('the same event delivered twice yields one notification per recipient and one live frame each', async () => {
    const w = memoryWorld();
    for (const follower of [bo, cy]) await follow(w, follower.id, ana.id);
    w.live.online.add(bo.id);
    const created = postCreated({ mentionedUserIds: [di.id] });
    await handleEvent(w.deps, created);
    await handleEvent(w.deps, structuredClone(created));
    for (const user of [bo, cy, di]) {
      expect(await listed(w, user.id)).toHaveLength(1);
      expect(w.live.notificationsFor(user.id)).toHaveLength(1);
      expect(w.live.countsFor(user.id)).toEqual([1]);
    }
    expect(w.inbox.all()).toHaveLength(3);
    expect(w.metrics.created).toBe(3);
  });

  it('two concurrent deliveries of one event still give one notification per recipient', async () => {
    const w = memoryWorld();
    const liked = postLiked();
    await Promise.all([handleEvent(w.deps, liked), handleEvent(w.deps, liked), handleEvent(w.deps, liked)]);
    expect(w.inbox.all()).toHaveLength(1);
    expect(w.live.notificationsFor(bo.id)).toHaveLength(1);
  });
});

describe('handleEvent: grouping', () => {
  const likers = [ana, cy, di, ed, { id: id(6), username: 'fay', displayName: 'Fay' }];

  it('5 likes on one post become one item with count 5, a new id each time, the old ones superseded', async () => {
    const w = memoryWorld();
    const ids: string[] = [];
    for (const liker of likers) {
      await handleEvent(w.deps, postLiked({ liker }));
      w.clock.advance(60_000);
      ids.push((await listed(w, bo.id))[0]!.id);
    }
    expect(new Set(ids).size).toBe(5);
    const items = await listed(w, bo.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: ids[4], count: 5, title: 'Fay and 4 others liked your post', groupKey: expect.stringMatching(/^like:post:/) });
    expect(items[0]!.data).toMatchObject({ replaces: ids[3], actors: [{ username: 'fay' }, { username: 'ed' }, { username: 'di' }] });
    expect(await w.inbox.unreadCount(bo.id)).toBe(1);
    const stored = w.inbox.all();
    expect(stored).toHaveLength(5);
    expect(stored.filter((n) => n.supersededBy !== null).map((n) => n.id).sort()).toEqual(ids.slice(0, 4).sort());
    // Each merge is announced live, and the count frame stays at one unread item.
    expect(w.live.notificationsFor(bo.id).map((n) => n.count)).toEqual([1, 2, 3, 4, 5]);
    expect(w.live.countsFor(bo.id)).toEqual([1, 1, 1, 1, 1]);
  });

  it('the same person liking again adds nothing and announces nothing', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, postLiked({ liker: ana }));
    await handleEvent(w.deps, postLiked({ liker: cy }));
    await handleEvent(w.deps, postLiked({ liker: ana }));
    expect((await listed(w, bo.id)).map((n) => n.count)).toEqual([2]);
    expect(w.live.notificationsFor(bo.id)).toHaveLength(2);
  });

  it('starts a new item once the group was read, or after the window', async () => {
    const w = memoryWorld({ groupWindowMs: 60_000 });
    await handleEvent(w.deps, postLiked({ liker: ana }));
    await w.inbox.markAllRead(bo.id, w.clock.now());
    await handleEvent(w.deps, postLiked({ liker: cy }));
    w.clock.advance(61_000);
    await handleEvent(w.deps, postLiked({ liker: di }));
    expect((await listed(w, bo.id)).map((n) => n.count)).toEqual([1, 1, 1]);
  });
});

describe('handleEvent: user.deleted', () => {
  const registered = (user: typeof cy, at = '2024-05-01T11:00:00Z') =>
    event('user.registered', { userId: user.id, username: user.username, displayName: user.displayName, email: `${user.username}@example.com`, phone: null, locale: 'en', timezone: 'Europe/Lisbon' }, new Date(at));
  const deleted = (user: typeof cy, at = '2024-05-01T13:00:00Z') => event('user.deleted', { userId: user.id }, new Date(at));

  /** Cy has an inbox, preferences, mutes both ways and follows both ways; Bo and Di are bystanders. */
  async function withCy() {
    const w = memoryWorld();
    await handleEvent(w.deps, registered(cy));
    await handleEvent(w.deps, userFollowed({ follower: cy, followeeId: bo.id }));
    await handleEvent(w.deps, userFollowed({ follower: di, followeeId: cy.id }));
    await handleEvent(w.deps, messageSent({ sender: bo, recipientId: cy.id }));
    await handleEvent(w.deps, postLiked({ liker: di, postAuthorId: cy.id }));
    await w.preferences.put(cy.id, { ...(await w.preferences.get(cy.id)), frequency: 'daily' });
    await w.projections.mute(cy.id, ed.id, 'block', new Date());
    await w.projections.mute(bo.id, cy.id, 'mute', new Date());
    expect((await listed(w, cy.id)).map((n) => n.type)).toEqual(['like', 'message', 'follow']);
    return w;
  }

  it('erases inbox, preferences, mutes and follows of the person, closes all their sockets, and a repeat changes nothing', async () => {
    const w = await withCy();
    await handleEvent(w.deps, deleted(cy));
    expect(w.inbox.all().filter((n) => n.recipientId === cy.id)).toEqual([]);
    expect(await w.inbox.unreadCount(cy.id)).toBe(0);
    expect((await w.preferences.get(cy.id)).frequency).toBe('instant');
    expect(await w.projections.mutes(cy.id)).toEqual([]);
    expect(await w.projections.mutes(bo.id)).toEqual([]);
    expect(await w.projections.followersPage(cy.id, null, 10)).toEqual([]);
    expect(await w.projections.followersPage(bo.id, null, 10)).toEqual([]);
    expect(w.projections.user(cy.id)).toEqual({ id: cy.id });
    expect(await w.projections.knownUsers([cy.id])).toEqual(new Set());
    expect(w.live.revocations).toEqual([{ userId: cy.id }]);
    const before = w.inbox.all();
    await handleEvent(w.deps, deleted(cy));
    expect(w.inbox.all()).toEqual(before);
    expect(w.live.revocations).toEqual([{ userId: cy.id }, { userId: cy.id }]);
  });

  it('a late user.registered, user.updated or user.followed, however new its occurredAt, does not bring the person back', async () => {
    const w = await withCy();
    await handleEvent(w.deps, deleted(cy));
    await handleEvent(w.deps, registered(cy, '2024-05-01T10:00:00Z'));
    await handleEvent(w.deps, registered(cy, '2024-06-01T00:00:00Z'));
    await handleEvent(w.deps, event('user.updated', { userId: cy.id, changes: { email: 'back@example.com' } }, new Date('2024-06-02T00:00:00Z')));
    await handleEvent(w.deps, event('user.followed', { follower: cy, followeeId: di.id }, new Date('2024-06-03T00:00:00Z')));
    await handleEvent(w.deps, event('user.followed', { follower: di, followeeId: cy.id }, new Date('2024-06-03T00:00:00Z')));
    expect(w.projections.user(cy.id)).toEqual({ id: cy.id });
    expect((await w.preferences.get(cy.id)).timezone).toBe('UTC');
    expect(await w.projections.followersPage(di.id, null, 10)).toEqual([]);
    expect(await w.projections.followersPage(cy.id, null, 10)).toEqual([]);
    // ...and the follow notified nobody: Di is not told that a deleted account followed them.
    expect(await listed(w, di.id)).toEqual([]);
  });

  it('delivers nothing to a deleted account, and nothing on its behalf from an event that arrives after the deletion', async () => {
    const w = await withCy();
    await follow(w, bo.id, ana.id);
    await handleEvent(w.deps, deleted(cy));
    await handleEvent(w.deps, postCreated({ mentionedUserIds: [cy.id, di.id] }));
    await handleEvent(w.deps, messageSent({ sender: bo, recipientId: cy.id, excerpt: 'hello?' }));
    expect(await listed(w, cy.id)).toEqual([]);
    expect((await listed(w, di.id)).map((n) => n.type)).toEqual(['mention']);
    // A message Cy sent just before the deletion, whose event is late: Bo is not told.
    const before = (await listed(w, bo.id)).length;
    await handleEvent(w.deps, messageSent({ sender: cy, recipientId: bo.id, excerpt: 'bye' }));
    expect(await listed(w, bo.id)).toHaveLength(before);
  });

  it('a deletion that overtakes the registration still leaves a tombstone', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, deleted(ed));
    await handleEvent(w.deps, registered(ed, '2024-05-01T11:00:00Z'));
    expect(await w.projections.knownUsers([ed.id])).toEqual(new Set());
    await handleEvent(w.deps, messageSent({ sender: bo, recipientId: ed.id }));
    expect(await listed(w, ed.id)).toEqual([]);
  });
});
