import { beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import type { MessageView } from '../../src/domain/model.js';
import { UsernameTakenError, type ContentTransaction } from '../../src/domain/ports.js';
import { aUser } from '../support/fixtures.js';
import { aComment, aPost, at, comment, commentViewOf, events, like, people, publish, rejectionOf, unlike, viewOf, written, type Backend, type MakeBackend } from './backends.js';

/** What every ContentStore (and its transactions) must do; run against the memory fake and PostgreSQL. */
export function contentStoreContract(name: string, make: MakeBackend): void {
  describe(`ContentStore contract: ${name}`, () => {
    let b: Backend;
    beforeAll(async () => {
      b = await make();
    });

    const tx = <T>(work: (t: ContentTransaction) => Promise<T>) => b.store.transaction(work);

    it('finds a post it inserted, with its author, mentions in order and zero counters; an unknown id is null everywhere', async () => {
      const [ana, bob, cat] = await people(b, 3);
      const post = aPost(ana!, { text: `hi @${cat!.username} @${bob!.username}`, mentionIds: [cat!.id, bob!.id], createdAt: at(1_234) });
      await publish(b, post);
      const mentions = [{ userId: cat!.id, username: cat!.username }, { userId: bob!.id, username: bob!.username }];
      expect(await b.store.findPost(post.id, bob!.id)).toEqual(viewOf(post, ana!, { mentions }));
      expect(await b.store.postExists(post.id)).toBe(true);
      expect(await tx((t) => t.findPostRef(post.id))).toEqual({ id: post.id, authorId: ana!.id, text: post.text });
      const ghost = uuidv7();
      expect(await b.store.findPost(ghost, ana!.id)).toBeNull();
      expect(await b.store.postExists(ghost)).toBe(false);
      expect(await tx((t) => t.findPostRef(ghost))).toBeNull();
    });

    it("lists an author's posts newest first, strictly before a cursor, at most `limit`, nobody else's", async () => {
      const [ana, bob] = await people(b, 2);
      const posts = await publish(b, ...Array.from({ length: 5 }, (_, i) => aPost(ana!, { createdAt: at(i) })));
      await publish(b, aPost(bob!));
      const ids = (page: { before?: string; limit: number }) => b.store.listPostsByAuthor(ana!.id, page, bob!.id).then((views) => views.map((v) => v.id));
      expect(await ids({ limit: 3 })).toEqual([posts[4]!.id, posts[3]!.id, posts[2]!.id]);
      expect(await ids({ limit: 3, before: posts[2]!.id })).toEqual([posts[1]!.id, posts[0]!.id]);
      expect(await ids({ limit: 3, before: posts[0]!.id })).toEqual([]);
      expect(await ids({ limit: 10 })).toHaveLength(5);
      expect(await b.store.listPostsByAuthor(ana!.id, { limit: 1 }, bob!.id)).toEqual([viewOf(posts[4]!, ana!)]);
      expect(await b.store.listPostsByAuthor(uuidv7(), { limit: 10 }, ana!.id)).toEqual([]);
    });

    it('adds a like only once and removes it only once, the like count following, likedByMe for that viewer only', async () => {
      const [ana, bob, cat] = await people(b, 3);
      const [post] = await publish(b, aPost(ana!));
      expect(await unlike(b, post!.id, bob!.id)).toBe(false);
      expect(await like(b, post!.id, bob!.id)).toBe(true);
      expect(await like(b, post!.id, bob!.id)).toBe(false);
      expect(await like(b, post!.id, cat!.id)).toBe(true);
      expect(await b.store.findPost(post!.id, bob!.id)).toMatchObject({ likeCount: 2, likedByMe: true });
      expect(await b.store.findPost(post!.id, ana!.id)).toMatchObject({ likeCount: 2, likedByMe: false });
      expect(await unlike(b, post!.id, bob!.id)).toBe(true);
      expect(await unlike(b, post!.id, bob!.id)).toBe(false);
      expect(await b.store.findPost(post!.id, bob!.id)).toMatchObject({ likeCount: 1, likedByMe: false });
      const [listed] = await b.store.listPostsByAuthor(ana!.id, { limit: 1 }, cat!.id);
      expect(listed).toMatchObject({ id: post!.id, likeCount: 1, likedByMe: true });
    });

    it('lists comments oldest first, strictly after a cursor, at most `limit`; each insert bumps its own post only', async () => {
      const [ana, bob] = await people(b, 2);
      const [post, other] = await publish(b, aPost(ana!), aPost(ana!));
      const comments = await comment(
        b,
        aComment(post!, bob!, { text: `@${ana!.username} first`, mentionIds: [ana!.id], createdAt: at(1) }),
        aComment(post!, ana!, { createdAt: at(2) }),
        aComment(post!, bob!, { createdAt: at(3) }),
      );
      await comment(b, aComment(other!, bob!));
      const page1 = await b.store.listComments(post!.id, { limit: 2 });
      expect(page1).toEqual([
        commentViewOf(comments[0]!, bob!, { mentions: [{ userId: ana!.id, username: ana!.username }] }),
        commentViewOf(comments[1]!, ana!),
      ]);
      expect((await b.store.listComments(post!.id, { limit: 2, after: page1[1]!.id })).map((c) => c.id)).toEqual([comments[2]!.id]);
      expect(await b.store.listComments(post!.id, { limit: 2, after: comments[2]!.id })).toEqual([]);
      expect(await b.store.findPost(post!.id, bob!.id)).toMatchObject({ commentCount: 3 });
      expect(await b.store.findPost(other!.id, bob!.id)).toMatchObject({ commentCount: 1 });
      expect(await b.store.listComments(uuidv7(), { limit: 10 })).toEqual([]);
    });

    it('stores a message as given', async () => {
      const [ana, bob] = await people(b, 2);
      const message: MessageView = { id: uuidv7(), fromUserId: ana!.id, toUserId: bob!.id, text: 'hello there', createdAt: at(42) };
      await tx((t) => t.insertMessage(message));
      expect((await b.messages()).filter((m) => m.fromUserId === ana!.id)).toEqual([message]);
    });

    it('finds live users by id and by lowercased username; unknown ones are null or absent', async () => {
      const [ana, bob] = await people(b, 2);
      expect(await tx((t) => t.findUser(ana!.id))).toEqual(ana);
      expect(await tx((t) => t.findUser(uuidv7()))).toBeNull();
      const found = await tx((t) => t.findUsersByUsernames([ana!.username.toLowerCase(), bob!.username.toLowerCase(), 'nobody_here_at_all']));
      expect(found.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([ana, bob]);
      expect(await tx((t) => t.findUsersByUsernames([]))).toEqual([]);
    });

    it('ensureUser records an unseen user, never overwrites a known one, and is false for a deleted account', async () => {
      const [ana] = await people(b, 1);
      const stranger = aUser();
      expect(await tx((t) => t.ensureUser(stranger))).toBe(true);
      expect(await tx((t) => t.findUser(stranger.id))).toEqual(stranger);
      expect(await tx((t) => t.ensureUser({ ...ana!, displayName: 'Someone Else' }))).toBe(true);
      expect(await tx((t) => t.findUser(ana!.id))).toEqual(ana);
      await b.users.erase(ana!.id, at(5));
      expect(await tx((t) => t.ensureUser(ana!))).toBe(false);
      expect(await tx((t) => t.findUser(ana!.id))).toBeNull();
      expect(await tx((t) => t.findUsersByUsernames([ana!.username.toLowerCase()]))).toEqual([]);
    });

    it('ensureUser never records a second live account under a username another one holds (in any letter case)', async () => {
      const [ana] = await people(b, 1);
      const clash = aUser({ username: ana!.username.toUpperCase() });
      // It says so (the caller answers 503: try again once the rename's event lands), and records nothing.
      await expect(tx((t) => t.ensureUser(clash))).rejects.toBeInstanceOf(UsernameTakenError);
      expect(await tx((t) => t.findUser(clash.id))).toBeNull();
      expect(await tx((t) => t.findUsersByUsernames([ana!.username.toLowerCase()]))).toEqual([ana]);
    });

    it('refuses rows naming an unknown user or post, or reusing an id, as the keys of the tables do, keeping what was there', async () => {
      const [ana, bob] = await people(b, 2);
      const [post] = await publish(b, aPost(ana!));
      await like(b, post!.id, bob!.id);
      const ghost = uuidv7();
      const refused: Array<() => Promise<unknown>> = [
        () => tx((t) => t.insertPost(aPost({ id: ghost }))),
        () => tx((t) => t.insertPost(aPost(ana!, { mentionIds: [ghost] }))),
        () => tx((t) => t.insertPost({ ...post!, text: 'again' })),
        () => tx((t) => t.insertComment(aComment({ id: ghost }, bob!))),
        () => tx((t) => t.insertComment(aComment(post!, { id: ghost }))),
        () => tx((t) => t.addLike(ghost, bob!.id, at())),
        () => tx((t) => t.addLike(post!.id, ghost, at())),
        () => tx((t) => t.insertMessage({ id: uuidv7(), fromUserId: ana!.id, toUserId: ghost, text: 'to nobody', createdAt: at() })),
      ];
      for (const attempt of refused) expect(await rejectionOf(attempt())).toBeInstanceOf(Error);
      expect(await b.store.findPost(post!.id, bob!.id)).toEqual(viewOf(post!, ana!, { likeCount: 1, likedByMe: true }));
      expect(await b.store.listPostsByAuthor(ana!.id, { limit: 10 }, ana!.id)).toHaveLength(1);
      expect(await b.store.listComments(post!.id, { limit: 10 })).toEqual([]);
      expect((await b.messages()).filter((m) => m.fromUserId === ana!.id)).toEqual([]);
    });

    it('tells the messaging relation: blocks either way, the recipient policy, whether the recipient follows the sender', async () => {
      const [ana, bob] = await people(b, 2);
      const relation = () => tx((t) => t.messagingRelation(ana!.id, bob!.id));
      expect(await relation()).toEqual({ blocked: false, recipientPolicy: null, recipientFollowsSender: false });
      await b.users.setFollow(ana!.id, bob!.id, true, at(1));
      expect(await relation()).toEqual({ blocked: false, recipientPolicy: null, recipientFollowsSender: false });
      await b.users.setFollow(bob!.id, ana!.id, true, at(1));
      await b.users.update(bob!.id, { directMessages: 'following' }, at(1));
      expect(await relation()).toEqual({ blocked: false, recipientPolicy: 'following', recipientFollowsSender: true });
      await b.users.setBlock(bob!.id, ana!.id, true, at(2));
      expect(await relation()).toMatchObject({ blocked: true });
      await b.users.setBlock(bob!.id, ana!.id, false, at(3));
      await b.users.setBlock(ana!.id, bob!.id, true, at(3));
      expect(await relation()).toMatchObject({ blocked: true });
      await b.users.setBlock(ana!.id, bob!.id, false, at(4));
      await b.users.setFollow(bob!.id, ana!.id, false, at(4));
      expect(await relation()).toEqual({ blocked: false, recipientPolicy: 'following', recipientFollowsSender: false });
    });

    it('blockedWith gives, of the ids asked about, those with an active block either way with the writer', async () => {
      const [writer, blocker, blocked, unblocked, free] = await people(b, 5);
      await b.users.setBlock(blocker!.id, writer!.id, true, at(1));
      await b.users.setBlock(writer!.id, blocked!.id, true, at(1));
      await b.users.setBlock(writer!.id, unblocked!.id, true, at(1));
      await b.users.setBlock(writer!.id, unblocked!.id, false, at(2));
      await b.users.setBlock(free!.id, blocked!.id, true, at(1));
      const all = [blocker!.id, blocked!.id, unblocked!.id, free!.id];
      expect(await tx((t) => t.blockedWith(writer!.id, all))).toEqual(new Set([blocker!.id, blocked!.id]));
      expect(await tx((t) => t.blockedWith(writer!.id, [free!.id, blocked!.id]))).toEqual(new Set([blocked!.id]));
      expect(await tx((t) => t.blockedWith(writer!.id, []))).toEqual(new Set());
    });

    it('commits the events it enqueues, in order', async () => {
      const [ana, bob] = await people(b, 2);
      const post = aPost(ana!);
      const [created, liked] = [events.post(post, ana!), events.like(post.id, ana!.id, bob!)];
      await tx(async (t) => {
        await t.insertPost(post);
        await t.enqueue(created);
        await t.addLike(post.id, bob!.id, at());
        await t.enqueue(liked);
      });
      expect(await written(b, liked, created)).toEqual([created.id, liked.id]);
      expect((await b.outbox()).find((e) => e.id === liked.id)).toMatchObject({ type: 'post.liked', data: { postId: post.id, liker: bob } });
    });

    it('rolls a failed transaction back whole: no rows, no counters, no user recorded, no outbox event', async () => {
      const [ana, bob] = await people(b, 2);
      const [existing] = await publish(b, aPost(ana!));
      const stranger = aUser();
      const post = aPost(ana!);
      const message: MessageView = { id: uuidv7(), fromUserId: bob!.id, toUserId: ana!.id, text: 'lost', createdAt: at() };
      const event = events.post(post, ana!);
      const boom = new Error('boom');
      const failed = tx(async (t) => {
        expect(await t.ensureUser(stranger)).toBe(true);
        await t.insertPost(post);
        await t.insertComment(aComment(existing!, bob!));
        expect(await t.addLike(existing!.id, bob!.id, at())).toBe(true);
        await t.insertMessage(message);
        await t.enqueue(event);
        throw boom;
      });
      await expect(failed).rejects.toBe(boom);
      expect(await b.store.findPost(post.id, ana!.id)).toBeNull();
      expect(await b.store.findPost(existing!.id, bob!.id)).toEqual(viewOf(existing!, ana!));
      expect(await b.store.listComments(existing!.id, { limit: 10 })).toEqual([]);
      expect(await tx((t) => t.findUser(stranger.id))).toBeNull();
      expect((await b.messages()).map((m) => m.id)).not.toContain(message.id);
      expect(await written(b, event)).toEqual([]);
      // The store is usable afterwards, and the rolled-back like can be made for real.
      expect(await like(b, existing!.id, bob!.id)).toBe(true);
    });

    it('takes ids in any letter case as the same uuids', async () => {
      const [ana, bob] = await people(b, 2);
      const [post] = await publish(b, aPost(ana!));
      const upper = post!.id.toUpperCase();
      expect(await b.store.postExists(upper)).toBe(true);
      expect(await b.store.findPost(upper, bob!.id)).toMatchObject({ id: post!.id, author: ana });
      expect(await tx((t) => t.findPostRef(upper))).toEqual({ id: post!.id, authorId: ana!.id, text: post!.text });
      const [c] = await comment(b, aComment({ id: upper }, bob!));
      expect((await b.store.listComments(upper, { limit: 10 })).map((v) => [v.id, v.postId])).toEqual([[c!.id, post!.id]]);
      expect(await like(b, post!.id, bob!.id)).toBe(true);
      expect(await unlike(b, upper, bob!.id.toUpperCase())).toBe(true);
      expect(await b.store.findPost(post!.id, bob!.id)).toMatchObject({ likeCount: 0, commentCount: 1 });
      expect((await b.store.listPostsByAuthor(ana!.id.toUpperCase(), { limit: 10 }, bob!.id)).map((p) => p.id)).toEqual([post!.id]);
    });
  });
}
