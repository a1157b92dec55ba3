import { beforeEach, describe, expect, it } from 'vitest';
import { createEvent, type DomainEvent } from '@herald/contracts';
import { createLogger, MemoryEventBus, uuidv7 } from '@herald/platform';
import { MemoryContentStore } from '../../src/adapters/memory-content-store.js';
import { subscribeUserProjection, USERS_QUEUE } from '../../src/adapters/user-registered-consumer.js';
import { addComment } from '../../src/app/add-comment.js';
import { createPost } from '../../src/app/create-post.js';
import { projectBlock, projectDeletedUser, projectFollow, projectUpdatedUser } from '../../src/app/project-user.js';
import { sendMessage } from '../../src/app/send-message.js';
import { mentionsThatStand, messageVerdict } from '../../src/domain/reach.js';
import { actorOf, aUser, depsFor, rejection } from '../support/fixtures.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
const blocked = (blockerId: string, blockedId: string, minute: number) => createEvent('user.blocked', { blockerId, blockedId }, { producer: 'user-service', occurredAt: at(minute) });
const unblocked = (blockerId: string, blockedId: string, minute: number) => createEvent('user.unblocked', { blockerId, blockedId }, { producer: 'user-service', occurredAt: at(minute) });
const followed = (follower: { id: string; username: string; displayName: string }, followeeId: string, minute: number) =>
  createEvent('user.followed', { follower, followeeId }, { producer: 'user-service', occurredAt: at(minute) });
const unfollowed = (followerId: string, followeeId: string, minute: number) => createEvent('user.unfollowed', { followerId, followeeId }, { producer: 'user-service', occurredAt: at(minute) });
const policy = (userId: string, directMessages: 'everyone' | 'following', minute: number) =>
  createEvent('user.updated', { userId, changes: { directMessages } }, { producer: 'user-service', occurredAt: at(minute) });

describe('who may reach whom (pure)', () => {
  const rel = (over: Partial<Parameters<typeof messageVerdict>[0]> = {}) => ({ blocked: false, recipientPolicy: null, recipientFollowsSender: false, ...over });

  it('lets everyone message a person who never chose (the default) or chose everyone', () => {
    expect(messageVerdict(rel())).toBe('allowed');
    expect(messageVerdict(rel({ recipientPolicy: 'everyone' }))).toBe('allowed');
  });

  it('lets only people they follow message a person who chose following', () => {
    expect(messageVerdict(rel({ recipientPolicy: 'following' }))).toBe('restricted');
    expect(messageVerdict(rel({ recipientPolicy: 'following', recipientFollowsSender: true }))).toBe('allowed');
  });

  it('puts a block above everything, the policy and following included', () => {
    expect(messageVerdict(rel({ blocked: true }))).toBe('blocked');
    expect(messageVerdict(rel({ blocked: true, recipientPolicy: 'following', recipientFollowsSender: true }))).toBe('blocked');
  });

  it('drops the mentions of people with a block, keeping the others in order', () => {
    const [a, b, c] = [{ userId: 'a', username: 'a' }, { userId: 'b', username: 'b' }, { userId: 'c', username: 'c' }];
    expect(mentionsThatStand([a, b, c], new Set(['b']))).toEqual([a, c]);
    expect(mentionsThatStand([a, b], new Set())).toEqual([a, b]);
  });
});

describe('blocks and the direct-message policy in the use cases (memory store)', () => {
  let store: MemoryContentStore;
  let deps: ReturnType<typeof depsFor>;
  const ana = aUser({ username: 'ana_reach' });
  const bob = aUser({ username: 'bob_reach' });
  const cy = aUser({ username: 'cy_reach' });

  beforeEach(async () => {
    store = new MemoryContentStore();
    deps = depsFor(store);
    for (const u of [ana, bob, cy]) await store.upsert(u, at(0));
  });

  it('refuses a message either way while one blocks the other (403 blocked), and writes nothing', async () => {
    await projectBlock(store, blocked(ana.id, bob.id, 1));
    for (const [from, to] of [[bob, ana], [ana, bob]] as const) {
      const err = await rejection(sendMessage(deps, actorOf(from), { toUserId: to.id, text: 'hello?' }));
      expect(err).toMatchObject({ statusCode: 403, code: 'blocked', details: { field: 'toUserId' } });
    }
    expect(store.messages).toEqual([]);
    expect(store.outbox).toEqual([]);
    // Others are not affected, and an unblock lets them talk again.
    expect((await sendMessage(deps, actorOf(cy), { toUserId: ana.id, text: 'hi ana' })).toUserId).toBe(ana.id);
    await projectBlock(store, unblocked(ana.id, bob.id, 2));
    expect((await sendMessage(deps, actorOf(bob), { toUserId: ana.id, text: 'hi again' })).toUserId).toBe(ana.id);
  });

  it('lets only the people a recipient follows message them once they chose following (403 messages_restricted)', async () => {
    await projectUpdatedUser(store, policy(ana.id, 'following', 1));
    await projectFollow(store, followed(bob, ana.id, 2)); // bob follows ana: no help
    const err = await rejection(sendMessage(deps, actorOf(bob), { toUserId: ana.id, text: 'hi' }));
    expect(err).toMatchObject({ statusCode: 403, code: 'messages_restricted', details: { field: 'toUserId' } });

    await projectFollow(store, followed(ana, bob.id, 3)); // ana follows bob: bob may write
    expect((await sendMessage(deps, actorOf(bob), { toUserId: ana.id, text: 'hi' })).fromUserId).toBe(bob.id);
    // ana's policy does not limit whom she writes to
    expect((await sendMessage(deps, actorOf(ana), { toUserId: cy.id, text: 'hey' })).toUserId).toBe(cy.id);

    await projectFollow(store, unfollowed(ana.id, bob.id, 4));
    expect((await rejection(sendMessage(deps, actorOf(bob), { toUserId: ana.id, text: 'hi' }))).code).toBe('messages_restricted');
    await projectUpdatedUser(store, policy(ana.id, 'everyone', 5));
    expect((await sendMessage(deps, actorOf(bob), { toUserId: ana.id, text: 'hi' })).toUserId).toBe(ana.id);
  });

  it('says blocked, not restricted, when both apply', async () => {
    await projectUpdatedUser(store, policy(ana.id, 'following', 1));
    await projectBlock(store, blocked(bob.id, ana.id, 2));
    expect((await rejection(sendMessage(deps, actorOf(ana), { toUserId: bob.id, text: 'x' }))).code).toBe('blocked');
    expect((await rejection(sendMessage(deps, actorOf(bob), { toUserId: ana.id, text: 'x' }))).code).toBe('blocked');
  });

  it('creates no mention of a person with a block between them and the writer, either way; the text stays', async () => {
    await projectBlock(store, blocked(bob.id, ana.id, 1)); // bob blocked ana
    const post = await createPost(deps, actorOf(ana), { text: 'thanks @bob_reach and @cy_reach' });
    expect(post.text).toBe('thanks @bob_reach and @cy_reach');
    expect(post.mentions).toEqual([{ userId: cy.id, username: 'cy_reach' }]);
    expect(store.outbox.at(-1)).toMatchObject({ type: 'post.created', data: { mentionedUserIds: [cy.id] } });

    // the blocker cannot mention the person they block either, in a post or a comment
    const comment = await addComment(deps, actorOf(bob), post.id, { text: '@ana_reach no' });
    expect(comment.mentions).toEqual([]);
    expect(store.outbox.at(-1)).toMatchObject({ type: 'comment.created', data: { mentionedUserIds: [] } });
    // mentioning yourself is unaffected
    expect((await createPost(deps, actorOf(bob), { text: 'me, @bob_reach' })).mentions).toEqual([{ userId: bob.id, username: 'bob_reach' }]);
  });
});

describe('block and follow events in the projection: redelivered and out of order', () => {
  let store: MemoryContentStore;
  const ana = aUser({ username: 'ana_order' });
  const bob = aUser({ username: 'bob_order' });

  beforeEach(async () => {
    store = new MemoryContentStore();
    for (const u of [ana, bob]) await store.upsert(u, at(0));
  });

  /** What bob gets when he messages ana now. */
  const canMessage = () => sendMessage(depsFor(store), actorOf(bob), { toUserId: ana.id, text: 'ping' }).then(() => 'sent', (e: { code: string }) => e.code);
  const apply = async (...events: DomainEvent[]) => {
    for (const e of events) {
      if (e.type === 'user.blocked' || e.type === 'user.unblocked') await projectBlock(store, e);
      else if (e.type === 'user.followed' || e.type === 'user.unfollowed') await projectFollow(store, e);
      else if (e.type === 'user.updated') await projectUpdatedUser(store, e);
    }
  };

  it('keeps the newest block state per pair: a late block after a newer unblock, or a redelivery, changes nothing', async () => {
    const block1 = blocked(ana.id, bob.id, 1);
    await apply(unblocked(ana.id, bob.id, 2), block1, block1);
    expect(await canMessage()).toBe('sent');
    await apply(blocked(ana.id, bob.id, 3), unblocked(ana.id, bob.id, 2));
    expect(await canMessage()).toBe('blocked');
  });

  it('keeps the newest follow state and policy: an unfollow that overtook its follow wins, an older policy does not undo a newer one', async () => {
    await apply(policy(ana.id, 'following', 1), unfollowed(ana.id, bob.id, 5), followed(ana, bob.id, 4));
    expect(await canMessage()).toBe('messages_restricted');
    await apply(followed(ana, bob.id, 6), followed(ana, bob.id, 6));
    expect(await canMessage()).toBe('sent');
    await apply(policy(ana.id, 'everyone', 0), unfollowed(ana.id, bob.id, 7));
    expect(await canMessage()).toBe('messages_restricted');
  });

  it('projects a block of someone not projected yet, and nothing about a deleted account', async () => {
    const ghost = uuidv7();
    await apply(blocked(ghost, bob.id, 1));
    expect(await store.transaction((tx) => tx.blockedWith(bob.id, [ghost]))).toEqual(new Set([ghost]));

    await projectDeletedUser(store, createEvent('user.deleted', { userId: ana.id }, { producer: 'user-service', occurredAt: at(2) }));
    await apply(blocked(ana.id, bob.id, 9), followed(ana, bob.id, 9));
    expect(await store.transaction((tx) => tx.blockedWith(bob.id, [ana.id]))).toEqual(new Set());
    expect(await store.transaction((tx) => tx.messagingRelation(bob.id, ana.id))).toEqual({ blocked: false, recipientPolicy: null, recipientFollowsSender: false });
  });

  it('is fed from the users queue: each of the four event types reaches the projection, none is dead-lettered', async () => {
    const bus = new MemoryEventBus();
    const subscription = await subscribeUserProjection({ bus, users: store, logger: createLogger('test', 'silent') });
    const publish = (...events: DomainEvent[]) => bus.publish(events.map((e) => ({ routingKey: e.type, messageId: e.id, body: e })));
    const until = async (expected: string) => {
      for (let i = 0; i < 200 && (await canMessage()) !== expected; i++) await new Promise((r) => setTimeout(r, 5));
      expect(await canMessage()).toBe(expected);
    };
    try {
      await publish(blocked(bob.id, ana.id, 1));
      await until('blocked');
      await publish(unblocked(bob.id, ana.id, 2), policy(ana.id, 'following', 2));
      await until('messages_restricted');
      await publish(followed(ana, bob.id, 3));
      await until('sent');
      await publish(unfollowed(ana.id, bob.id, 4));
      await until('messages_restricted');
      expect(bus.deadLetters(USERS_QUEUE)).toEqual([]);
    } finally {
      await subscription.cancel();
      await bus.close();
    }
  });
});
