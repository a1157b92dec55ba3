import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryContentStore } from '../../src/adapters/memory-content-store.js';
import { createPost } from '../../src/app/create-post.js';
import { getPost } from '../../src/app/get-post.js';
import { likePost } from '../../src/app/like-post.js';
import { unlikePost } from '../../src/app/unlike-post.js';
import { sendMessage } from '../../src/app/send-message.js';
import { actorOf, aUser, depsFor, rejection } from '../support/fixtures.js';

describe('likes and messages (memory store)', () => {
  let store: MemoryContentStore;
  let deps: ReturnType<typeof depsFor>;
  const alice = aUser({ username: 'Alice', displayName: 'Alice A.' });
  const bob = aUser({ username: 'bob', displayName: 'Bob B.' });

  beforeEach(async () => {
    store = new MemoryContentStore();
    deps = depsFor(store);
    await store.upsert(alice);
    await store.upsert(bob);
  });

  describe('likes', () => {
    it('emits post.liked only for a new like, and counts stay exact', async () => {
      const post = await createPost(deps, actorOf(alice), { text: 'like me' });
      await likePost(deps, actorOf(bob), post.id);
      await likePost(deps, actorOf(bob), post.id);
      expect(store.outbox.filter((e) => e.type === 'post.liked')).toHaveLength(1);
      expect(store.outbox[1]!.data).toEqual({ postId: post.id, postAuthorId: alice.id, liker: bob, excerpt: 'like me' });
      let seen = await getPost(deps, actorOf(bob), post.id);
      expect(seen).toMatchObject({ likeCount: 1, likedByMe: true });
      expect((await getPost(deps, actorOf(alice), post.id)).likedByMe).toBe(false);

      await unlikePost(deps, actorOf(bob), post.id);
      await unlikePost(deps, actorOf(bob), post.id);
      seen = await getPost(deps, actorOf(bob), post.id);
      expect(seen).toMatchObject({ likeCount: 0, likedByMe: false });
      expect(store.outbox).toHaveLength(2);
    });

    it('lets authors like their own post and still emits', async () => {
      const post = await createPost(deps, actorOf(alice), { text: 'mine' });
      await likePost(deps, actorOf(alice), post.id);
      expect(store.outbox.at(-1)).toMatchObject({ type: 'post.liked', data: { liker: alice, postAuthorId: alice.id } });
    });

    it('counts concurrent likes of many users exactly', async () => {
      const post = await createPost(deps, actorOf(alice), { text: 'popular' });
      const fans = Array.from({ length: 20 }, () => aUser());
      await Promise.all(fans.flatMap((f) => [likePost(deps, actorOf(f), post.id), likePost(deps, actorOf(f), post.id)]));
      expect((await getPost(deps, actorOf(alice), post.id)).likeCount).toBe(20);
    });

    it('404s on unknown posts both ways', async () => {
      const unknown = '01890a5d-ac96-774b-bcce-b302099a8057';
      expect((await rejection(likePost(deps, actorOf(bob), unknown))).statusCode).toBe(404);
      expect((await rejection(unlikePost(deps, actorOf(bob), unknown))).statusCode).toBe(404);
    });
  });

  describe('messages', () => {
    it('stores the message and emits message.sent', async () => {
      const message = await sendMessage(deps, actorOf(alice), { toUserId: bob.id, text: ' hey bob ' });
      expect(message).toMatchObject({ fromUserId: alice.id, toUserId: bob.id, text: 'hey bob' });
      expect(store.outbox[0]).toMatchObject({ type: 'message.sent', data: { messageId: message.id, sender: alice, recipientId: bob.id, excerpt: 'hey bob' } });
    });

    it('refuses messaging yourself with 400 naming toUserId', async () => {
      const err = await rejection(sendMessage(deps, actorOf(alice), { toUserId: alice.id.toUpperCase(), text: 'me' }));
      expect(err.statusCode).toBe(400);
      expect(err.details).toEqual({ field: 'toUserId' });
    });

    it('404s for a recipient the projection does not know, and writes nothing', async () => {
      const stranger = aUser();
      const err = await rejection(sendMessage(deps, actorOf(alice), { toUserId: stranger.id, text: 'hi' }));
      expect(err.statusCode).toBe(404);
      expect(store.outbox).toHaveLength(0);
      expect(store.messages).toHaveLength(0);
    });
  });
});
