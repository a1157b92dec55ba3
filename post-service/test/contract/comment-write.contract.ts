import { beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import type { UserSummary } from '../../src/domain/model.js';
import { aUser } from '../support/fixtures.js';
import { aComment, aPost, at, commentViewOf, events, people, publish, written, type Backend, type MakeBackend } from './backends.js';

/** readCommentContext and writeComment, the two round trips of adding a comment; memory fake and PostgreSQL. */
export function commentWriteContract(name: string, make: MakeBackend): void {
  describe(`ContentStore comment path contract: ${name}`, () => {
    let b: Backend;
    beforeAll(async () => {
      b = await make();
    });

    const byId = (users: UserSummary[]) => [...users].sort((x, y) => (x.id < y.id ? -1 : 1));
    const lower = (u: UserSummary) => u.username.toLowerCase();

    it('reads the post and its author, the writer, the live named accounts and the blocks among them with the writer', async () => {
      const [author, writer, named, blocker, blocked, bystander] = await people(b, 6);
      const [post] = await publish(b, aPost(author!));
      await b.users.setBlock(blocker!.id, writer!.id, true, at(1));
      await b.users.setBlock(writer!.id, blocked!.id, true, at(1));
      await b.users.setBlock(bystander!.id, named!.id, true, at(1));
      const names = [named!, blocker!, blocked!].map(lower).concat('nobody_by_this_name');
      const context = await b.store.readCommentContext(post!.id, writer!.id, names);
      expect(context.post).toEqual({ id: post!.id, authorId: author!.id });
      expect(context.writer).toEqual(writer);
      expect(byId(context.named)).toEqual(byId([named!, blocker!, blocked!]));
      expect(context.blockedWithWriter).toEqual(new Set([blocker!.id, blocked!.id]));
    });

    it('reads a missing post as null, an unprojected writer as null, a deleted one as "deleted", and leaves deleted accounts unnamed', async () => {
      const [author, gone, named] = await people(b, 3);
      const [post] = await publish(b, aPost(author!));
      await b.users.erase(gone!.id, at(9));
      const missing = await b.store.readCommentContext(uuidv7(), author!.id, []);
      expect(missing).toEqual({ post: null, writer: author, named: [], blockedWithWriter: new Set() });
      const stranger = await b.store.readCommentContext(post!.id, uuidv7(), [lower(named!)]);
      expect(stranger).toEqual({ post: { id: post!.id, authorId: author!.id }, writer: null, named: [named], blockedWithWriter: new Set() });
      const deleted = await b.store.readCommentContext(post!.id, gone!.id, [lower(gone!), lower(named!)]);
      expect(deleted).toEqual({ post: { id: post!.id, authorId: author!.id }, writer: 'deleted', named: [named], blockedWithWriter: new Set() });
    });

    it("writes the comment, its mentions, the post's counter and the event together: 'written'", async () => {
      const [author, writer, named] = await people(b, 3);
      const [post] = await publish(b, aPost(author!));
      const c = aComment(post!, writer!, { text: `hey @${named!.username}`, mentionIds: [named!.id], createdAt: at(77) });
      const event = events.comment(c, writer!, author!.id);
      expect(await b.store.writeComment(c, writer!, event)).toBe('written');
      expect(await b.store.listComments(post!.id, { limit: 10 })).toEqual([
        commentViewOf(c, writer!, { mentions: [{ userId: named!.id, username: named!.username }] }),
      ]);
      expect(await b.store.findPost(post!.id, writer!.id)).toMatchObject({ commentCount: 1 });
      expect(await written(b, event)).toEqual([event.id]);
      // The transactional path and the one-statement path count into the same counter.
      await b.store.transaction((tx) => tx.insertComment(aComment(post!, author!)));
      expect(await b.store.findPost(post!.id, writer!.id)).toMatchObject({ commentCount: 2 });
    });

    it("answers 'no_post' for a post that is not there, writing nothing", async () => {
      const [writer] = await people(b, 1);
      const c = aComment({ id: uuidv7() }, writer!);
      const event = events.comment(c, writer!, writer!.id);
      expect(await b.store.writeComment(c, writer!, event)).toBe('no_post');
      expect(await b.store.listComments(c.postId, { limit: 10 })).toEqual([]);
      expect(await written(b, event)).toEqual([]);
    });

    it("answers 'no_post' rather than 'writer_changed' when neither holds", async () => {
      const stranger = aUser();
      const c = aComment({ id: uuidv7() }, stranger);
      const event = events.comment(c, stranger, stranger.id);
      expect(await b.store.writeComment(c, stranger, event)).toBe('no_post');
      expect(await written(b, event)).toEqual([]);
    });

    it("answers 'writer_changed' for a writer renamed since the read, writing nothing", async () => {
      const [author, writer] = await people(b, 2);
      const [post] = await publish(b, aPost(author!));
      await b.users.update(writer!.id, { displayName: 'Renamed' }, at(10));
      const c = aComment(post!, writer!);
      const event = events.comment(c, writer!, author!.id);
      expect(await b.store.writeComment(c, writer!, event)).toBe('writer_changed');
      expect(await b.store.listComments(post!.id, { limit: 10 })).toEqual([]);
      expect(await b.store.findPost(post!.id, author!.id)).toMatchObject({ commentCount: 0 });
      expect(await written(b, event)).toEqual([]);
      // With the names as they are now it goes through.
      const renamed = { ...writer!, displayName: 'Renamed' };
      const again = events.comment(c, renamed, author!.id);
      expect(await b.store.writeComment(c, renamed, again)).toBe('written');
      expect(await written(b, event, again)).toEqual([again.id]);
    });

    it("answers 'writer_changed' for a writer deleted since the read, or never projected, writing nothing", async () => {
      const [author, gone] = await people(b, 2);
      const [post] = await publish(b, aPost(author!));
      await b.users.erase(gone!.id, at(10));
      const stranger = aUser();
      for (const writer of [gone!, stranger]) {
        const c = aComment(post!, writer);
        const event = events.comment(c, writer, author!.id);
        expect(await b.store.writeComment(c, writer, event)).toBe('writer_changed');
        expect(await written(b, event)).toEqual([]);
      }
      expect(await b.store.listComments(post!.id, { limit: 10 })).toEqual([]);
      expect(await b.store.findPost(post!.id, author!.id)).toMatchObject({ commentCount: 0 });
      expect(await b.store.transaction((tx) => tx.findUser(stranger.id))).toBeNull();
    });

    it('keeps the counter equal to the comments under concurrent writes', async () => {
      const [author, ...writers] = await people(b, 4);
      const [post] = await publish(b, aPost(author!));
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const writer = writers[i % writers.length]!;
          const c = aComment(post!, writer);
          return b.store.writeComment(c, writer, events.comment(c, writer, author!.id));
        }),
      );
      expect(outcomes).toEqual(Array(12).fill('written'));
      expect(await b.store.listComments(post!.id, { limit: 100 })).toHaveLength(12);
      expect(await b.store.findPost(post!.id, author!.id)).toMatchObject({ commentCount: 12 });
    });
  });
}
