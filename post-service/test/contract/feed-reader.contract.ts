import { beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { aComment, aPost, at, comment, like, people, publish, viewOf, type Backend, type MakeBackend } from './backends.js';

/** What every FeedReader must do (the home feed, domain/feed.ts); memory fake and PostgreSQL. */
export function feedReaderContract(name: string, make: MakeBackend): void {
  describe(`FeedReader contract: ${name}`, () => {
    let b: Backend;
    beforeAll(async () => {
      b = await make();
    });

    const feedIds = (viewerId: string, page: { before?: string; limit: number } = { limit: 50 }) => b.feed.listFeed(viewerId, page).then((posts) => posts.map((p) => p.id));

    it('holds the viewer’s own posts and those of the people they follow, newest first, nobody else’s', async () => {
      const [me, followed, stranger, followsMe] = await people(b, 4);
      await b.users.setFollow(me!.id, followed!.id, true, at(1));
      await b.users.setFollow(followsMe!.id, me!.id, true, at(1));
      const [p1, , p3, p4, , p6] = await publish(b, aPost(followed!), aPost(stranger!), aPost(me!), aPost(followed!), aPost(followsMe!), aPost(me!));
      expect(await feedIds(me!.id)).toEqual([p6!.id, p4!.id, p3!.id, p1!.id]);
      expect(await feedIds(followed!.id)).toEqual([p4!.id, p1!.id]);
      expect(await feedIds(uuidv7())).toEqual([]);
    });

    it('pages by keyset: ids strictly below `before`, at most `limit`, the pages together the whole feed', async () => {
      const [me, a, c] = await people(b, 3);
      await b.users.setFollow(me!.id, a!.id, true, at(1));
      await b.users.setFollow(me!.id, c!.id, true, at(1));
      const posts = await publish(b, ...Array.from({ length: 7 }, (_, i) => aPost([me, a, c][i % 3]!, { createdAt: at(i) })));
      const newestFirst = posts.map((p) => p.id).reverse();
      const seen: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await feedIds(me!.id, { limit: 3, ...(before ? { before } : {}) });
        expect(page.length).toBeLessThanOrEqual(3);
        if (page.length === 0) break;
        seen.push(...page);
        before = page.at(-1);
      }
      expect(seen).toEqual(newestFirst);
      expect(await feedIds(me!.id, { limit: 2, before: posts[4]!.id })).toEqual([posts[3]!.id, posts[2]!.id]);
      expect(await feedIds(me!.id, { limit: 5, before: posts[0]!.id })).toEqual([]);
    });

    it('answers each post as findPost does for the viewer: author, mentions, counters, likedByMe', async () => {
      const [me, friend, other] = await people(b, 3);
      await b.users.setFollow(me!.id, friend!.id, true, at(1));
      const [post] = await publish(b, aPost(friend!, { text: `@${other!.username} and @${me!.username}`, mentionIds: [other!.id, me!.id], createdAt: at(3) }));
      await comment(b, aComment(post!, other!));
      await like(b, post!.id, me!.id);
      await like(b, post!.id, other!.id);
      const expected = viewOf(post!, friend!, {
        mentions: [{ userId: other!.id, username: other!.username }, { userId: me!.id, username: me!.username }],
        likeCount: 2,
        commentCount: 1,
        likedByMe: true,
      });
      expect(await b.feed.listFeed(me!.id, { limit: 10 })).toEqual([expected]);
      expect(await b.store.findPost(post!.id, me!.id)).toEqual(expected);
      expect(await b.feed.listFeed(friend!.id, { limit: 10 })).toEqual([{ ...expected, likedByMe: false }]);
    });

    it('an unfollow takes all of a person’s posts out; a refollow brings all of them back', async () => {
      const [me, friend] = await people(b, 2);
      await b.users.setFollow(me!.id, friend!.id, true, at(1));
      const posts = await publish(b, aPost(friend!), aPost(friend!));
      await b.users.setFollow(me!.id, friend!.id, false, at(2));
      expect(await feedIds(me!.id)).toEqual([]);
      // A late follow of before the unfollow changes nothing.
      await b.users.setFollow(me!.id, friend!.id, true, at(1));
      expect(await feedIds(me!.id)).toEqual([]);
      await b.users.setFollow(me!.id, friend!.id, true, at(3));
      expect(await feedIds(me!.id)).toEqual([posts[1]!.id, posts[0]!.id]);
    });

    it('leaves out a followed person with a block either way, and takes them back after the unblock', async () => {
      const [me, blockedByMe, blocksMe] = await people(b, 3);
      for (const u of [blockedByMe!, blocksMe!]) await b.users.setFollow(me!.id, u.id, true, at(1));
      const [mine, p1, p2] = await publish(b, aPost(me!), aPost(blockedByMe!), aPost(blocksMe!));
      await b.users.setBlock(me!.id, blockedByMe!.id, true, at(2));
      await b.users.setBlock(blocksMe!.id, me!.id, true, at(2));
      expect(await feedIds(me!.id)).toEqual([mine!.id]);
      await b.users.setBlock(me!.id, blockedByMe!.id, false, at(3));
      await b.users.setBlock(blocksMe!.id, me!.id, false, at(3));
      expect(await feedIds(me!.id)).toEqual([p2!.id, p1!.id, mine!.id]);
    });

    it('a viewer following themselves sees their posts once', async () => {
      const [me] = await people(b, 1);
      await b.users.setFollow(me!.id, me!.id, true, at(1));
      const [post] = await publish(b, aPost(me!));
      expect(await feedIds(me!.id)).toEqual([post!.id]);
    });

    it('keeps an erased account’s posts out of every feed', async () => {
      const [me, gone] = await people(b, 2);
      await b.users.setFollow(me!.id, gone!.id, true, at(1));
      await publish(b, aPost(gone!));
      const [mine] = await publish(b, aPost(me!));
      await b.users.erase(gone!.id, at(2));
      expect(await feedIds(me!.id)).toEqual([mine!.id]);
      expect(await feedIds(gone!.id)).toEqual([]);
    });
  });
}
