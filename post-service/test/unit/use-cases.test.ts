import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryContentStore } from '../../src/adapters/memory-content-store.js';
import { createPost } from '../../src/app/create-post.js';
import { getPost } from '../../src/app/get-post.js';
import { addComment } from '../../src/app/add-comment.js';
import { listUserPosts } from '../../src/app/list-user-posts.js';
import { listComments } from '../../src/app/list-comments.js';
import { actorOf, aUser, depsFor, rejection, TestClock } from '../support/fixtures.js';


describe('posts and comments (memory store)', () => {
  let store: MemoryContentStore;
  let deps: ReturnType<typeof depsFor>;
  let clock: TestClock;
  const alice = aUser({ username: 'Alice', displayName: 'Alice A.' });
  const bob = aUser({ username: 'bob', displayName: 'Bob B.' });

  beforeEach(async () => {
    store = new MemoryContentStore();
    clock = new TestClock();
    deps = depsFor(store, clock);
    await store.upsert(alice);
    await store.upsert(bob);
  });

  describe('createPost', () => {
    it('stores trimmed text, resolves known mentions and emits post.created once', async () => {
      const post = await createPost(deps, actorOf(alice), { text: '  hi @BOB and @alice and @nobody_here, mail x@bob.com  ' });
      expect(post.text).toBe('hi @BOB and @alice and @nobody_here, mail x@bob.com');
      expect(post.author).toEqual(alice);
      expect(post.mentions).toEqual([
        { userId: bob.id, username: 'bob' },
        { userId: alice.id, username: 'Alice' },
      ]);
      expect(store.outbox).toHaveLength(1);
      const event = store.outbox[0]!;
      expect(event.type).toBe('post.created');
      expect(event.data).toEqual({ postId: post.id, author: alice, excerpt: post.text, mentionedUserIds: [bob.id] });
      expect(event.occurredAt).toBe(clock.now().toISOString());
      expect(deps.wakes).toBe(1);
      expect(await getPost(deps, actorOf(bob), post.id)).toEqual(post);
    });

    it('cuts the excerpt at 140 characters', async () => {
      await createPost(deps, actorOf(alice), { text: 'x'.repeat(300) });
      expect(store.outbox[0]!.data).toMatchObject({ excerpt: 'x'.repeat(140) });
    });

    it('refuses blank text and writes nothing', async () => {
      const err = await rejection(createPost(deps, actorOf(alice), { text: ' \n ' }));
      expect(err.statusCode).toBe(400);
      expect(err.details).toEqual({ field: 'text' });
      expect(store.outbox).toHaveLength(0);
      expect(deps.wakes).toBe(0);
    });

    it('falls back to the token username for an author not projected yet', async () => {
      const newcomer = aUser({ username: 'newcomer' });
      const post = await createPost(deps, actorOf(newcomer), { text: 'first!' });
      expect(post.author).toEqual({ id: newcomer.id, username: 'newcomer', displayName: 'newcomer' });
      expect(store.outbox[0]!.data).toMatchObject({ author: { id: newcomer.id, username: 'newcomer', displayName: 'newcomer' } });
      // the real display name wins once user.registered lands
      await store.upsert(newcomer);
      expect((await getPost(deps, actorOf(bob), post.id)).author.displayName).toBe(newcomer.displayName);
    });
  });

  describe('comments', () => {
    it('emits comment.created with the post author and mentions other than the commenter', async () => {
      const post = await createPost(deps, actorOf(alice), { text: 'post' });
      const comment = await addComment(deps, actorOf(bob), post.id, { text: '@alice @bob look' });
      expect(comment.mentions.map((m) => m.username)).toEqual(['Alice', 'bob']);
      const event = store.outbox[1]!;
      expect(event.type).toBe('comment.created');
      expect(event.data).toEqual({
        commentId: comment.id,
        postId: post.id,
        postAuthorId: alice.id,
        author: bob,
        excerpt: '@alice @bob look',
        mentionedUserIds: [alice.id],
      });
      expect((await getPost(deps, actorOf(bob), post.id)).commentCount).toBe(1);
    });

    it('404s on an unknown post and writes nothing', async () => {
      const err = await rejection(addComment(deps, actorOf(bob), '01890a5d-ac96-774b-bcce-b302099a8057', { text: 'hi' }));
      expect(err.statusCode).toBe(404);
      expect(store.outbox).toHaveLength(0);
    });

    it('refuses comments longer than 2000 characters', async () => {
      const post = await createPost(deps, actorOf(alice), { text: 'post' });
      const err = await rejection(addComment(deps, actorOf(bob), post.id, { text: 'y'.repeat(2001) }));
      expect(err.statusCode).toBe(400);
    });

    it('lists oldest first across pages', async () => {
      const post = await createPost(deps, actorOf(alice), { text: 'post' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(1000);
        ids.push((await addComment(deps, actorOf(bob), post.id, { text: `c${i}` })).id);
      }
      const first = await listComments(deps, post.id, { limit: 3 });
      expect(first.items.map((c) => c.id)).toEqual(ids.slice(0, 3));
      const second = await listComments(deps, post.id, { limit: 3, cursor: first.nextCursor! });
      expect(second.items.map((c) => c.id)).toEqual(ids.slice(3));
      expect(second.nextCursor).toBeNull();
    });
  });

  describe('listUserPosts', () => {
    it('pages newest first with an opaque cursor', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(1000);
        ids.push((await createPost(deps, actorOf(alice), { text: `p${i}` })).id);
      }
      await createPost(deps, actorOf(bob), { text: 'not alice' });
      const first = await listUserPosts(deps, actorOf(bob), alice.id, { limit: 2 });
      const second = await listUserPosts(deps, actorOf(bob), alice.id, { limit: 2, cursor: first.nextCursor! });
      const third = await listUserPosts(deps, actorOf(bob), alice.id, { limit: 2, cursor: second.nextCursor! });
      expect([...first.items, ...second.items, ...third.items].map((p) => p.id)).toEqual(ids.reverse());
      expect(third.nextCursor).toBeNull();
    });

    it('gives an empty page for a user with no posts', async () => {
      expect(await listUserPosts(deps, actorOf(bob), aUser().id, {})).toEqual({ items: [], nextCursor: null });
    });

    it.each([['nonsense'], ['01890a5d-ac96-774b-bcce-b302099a8057']])('refuses cursor %j with 400 naming cursor', async (cursor) => {
      const err = await rejection(listUserPosts(deps, actorOf(bob), alice.id, { cursor }));
      expect(err.statusCode).toBe(400);
      expect(err.details).toEqual({ field: 'cursor' });
    });
  });
});
