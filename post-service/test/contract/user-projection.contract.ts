import { beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import type { MessageView, UserSummary } from '../../src/domain/model.js';
import { UsernameTakenError } from '../../src/domain/ports.js';
import { aUser } from '../support/fixtures.js';
import { aComment, aPost, at, comment, like, people, publish, rejectionOf, type Backend, type MakeBackend } from './backends.js';

/** What every UserProjection must do (names, policies, blocks and follows by `asOf`); memory fake and PostgreSQL. */
export function userProjectionContract(name: string, make: MakeBackend): void {
  describe(`UserProjection contract: ${name}`, () => {
    let b: Backend;
    beforeAll(async () => {
      b = await make();
    });

    const found = (id: string) => b.store.transaction((tx) => tx.findUser(id));
    const relation = (senderId: string, recipientId: string) => b.store.transaction((tx) => tx.messagingRelation(senderId, recipientId));
    const blocked = (a: string, c: string) => relation(a, c).then((r) => r.blocked);
    const follows = (follower: string, followee: string) => relation(followee, follower).then((r) => r.recipientFollowsSender);

    it('upsert inserts, and a repeat or a redelivery changes nothing', async () => {
      const ana = aUser();
      await b.users.upsert(ana, at(10));
      await b.users.upsert(ana, at(10));
      await b.users.upsert(ana, at(5));
      expect(await found(ana.id)).toEqual(ana);
    });

    it('upsert refreshes each name older than `asOf` and only those; an older event never moves a name back', async () => {
      const ana = aUser();
      await b.users.upsert(ana, at(10));
      const newer = { ...ana, username: `${ana.username}_b`, displayName: 'Newer' };
      await b.users.upsert(newer, at(20));
      expect(await found(ana.id)).toEqual(newer);
      await b.users.upsert(ana, at(15));
      expect(await found(ana.id)).toEqual(newer);
      // The display name was set at 30, the username still at 20: an upsert at 25 moves only the username.
      expect(await b.users.update(ana.id, { displayName: 'Latest' }, at(30))).toBe(true);
      await b.users.upsert({ ...ana, username: `${ana.username}_c`, displayName: 'Stale' }, at(25));
      expect(await found(ana.id)).toEqual({ id: ana.id, username: `${ana.username}_c`, displayName: 'Latest' });
    });

    it('a stand-in recorded from a token takes the names of any event, however old', async () => {
      const stand = aUser();
      expect(await b.store.transaction((tx) => tx.ensureUser({ ...stand, displayName: stand.username }))).toBe(true);
      await b.users.upsert(stand, at(-1_000_000));
      expect(await found(stand.id)).toEqual(stand);
    });

    it('update changes only the given fields newer than `asOf`; redelivered or older changes are harmless', async () => {
      const [ana] = await people(b, 1);
      expect(await b.users.update(ana!.id, { displayName: 'Ana B' }, at(10))).toBe(true);
      expect(await found(ana!.id)).toEqual({ ...ana, displayName: 'Ana B' });
      expect(await b.users.update(ana!.id, { displayName: 'Ana Old' }, at(10))).toBe(true);
      expect(await b.users.update(ana!.id, { displayName: 'Ana Older', username: `${ana!.username}_x` }, at(5))).toBe(true);
      // username was set by the registration at at(0): 5 is newer for it, not for the display name.
      expect(await found(ana!.id)).toEqual({ id: ana!.id, username: `${ana!.username}_x`, displayName: 'Ana B' });
      expect(await b.users.update(ana!.id, {}, at(50))).toBe(true);
      expect(await found(ana!.id)).toEqual({ id: ana!.id, username: `${ana!.username}_x`, displayName: 'Ana B' });
    });

    it('update sets the direct-message policy by `asOf` too', async () => {
      const [ana, bob] = await people(b, 2);
      const policy = () => relation(bob!.id, ana!.id).then((r) => r.recipientPolicy);
      await b.users.update(ana!.id, { directMessages: 'following' }, at(10));
      expect(await policy()).toBe('following');
      await b.users.update(ana!.id, { directMessages: 'everyone' }, at(5));
      expect(await policy()).toBe('following');
      await b.users.update(ana!.id, { directMessages: 'everyone' }, at(11));
      expect(await policy()).toBe('everyone');
      expect(await found(ana!.id)).toEqual(ana);
    });

    it('update of an unknown id is false and records nothing', async () => {
      const id = uuidv7();
      expect(await b.users.update(id, { username: 'never_projected_x', displayName: 'X' }, at(1))).toBe(false);
      expect(await found(id)).toBeNull();
    });

    it('refuses another projected user’s username (in any letter case) with UsernameTakenError, changing nothing', async () => {
      const [ana, bob] = await people(b, 2);
      const clash = aUser({ username: ana!.username.toUpperCase() });
      const error = await rejectionOf(b.users.upsert(clash, at(1)));
      expect(error).toBeInstanceOf(UsernameTakenError);
      expect(error).toMatchObject({ username: clash.username });
      expect(await found(clash.id)).toBeNull();
      expect(await rejectionOf(b.users.update(bob!.id, { username: ana!.username, displayName: 'B' }, at(1)))).toBeInstanceOf(UsernameTakenError);
      expect(await rejectionOf(b.users.upsert({ ...bob!, username: ana!.username }, at(2)))).toBeInstanceOf(UsernameTakenError);
      expect(await found(bob!.id)).toEqual(bob);
      // A rename older than the name it would replace is no rename: no clash either.
      expect(await b.users.update(bob!.id, { username: ana!.username }, at(-1))).toBe(true);
      expect(await found(bob!.id)).toEqual(bob);
      // Changing one's own name's letter case is no clash.
      expect(await b.users.update(ana!.id, { username: ana!.username.toUpperCase() }, at(3))).toBe(true);
      expect(await found(ana!.id)).toEqual({ ...ana, username: ana!.username.toUpperCase() });
    });

    it('a deleted account’s username is free again; its tombstone takes no upsert or update (update still true)', async () => {
      const [ana] = await people(b, 1);
      await b.users.erase(ana!.id, at(5));
      const heir = aUser({ username: ana!.username });
      await b.users.upsert(heir, at(6));
      expect(await found(heir.id)).toEqual(heir);
      await b.users.upsert({ ...ana!, username: `${ana!.username}_back` }, at(100));
      expect(await b.users.update(ana!.id, { displayName: 'Back' }, at(100))).toBe(true);
      expect(await found(ana!.id)).toBeNull();
      expect((await b.store.readCommentContext(uuidv7(), ana!.id, [])).writer).toBe('deleted');
    });

    it('setBlock honours `asOf`: an older event never moves the pair back, a redelivery is harmless', async () => {
      const [ana, bob] = await people(b, 2);
      await b.users.setBlock(ana!.id, bob!.id, true, at(10));
      await b.users.setBlock(ana!.id, bob!.id, false, at(5));
      expect(await blocked(ana!.id, bob!.id)).toBe(true);
      await b.users.setBlock(ana!.id, bob!.id, false, at(10));
      expect(await blocked(ana!.id, bob!.id)).toBe(true);
      await b.users.setBlock(ana!.id, bob!.id, false, at(20));
      expect(await blocked(bob!.id, ana!.id)).toBe(false);
      // The unblock stays remembered: a late block of before it does not come back.
      await b.users.setBlock(ana!.id, bob!.id, true, at(15));
      expect(await blocked(ana!.id, bob!.id)).toBe(false);
      expect(await b.store.transaction((tx) => tx.blockedWith(ana!.id, [bob!.id]))).toEqual(new Set());
    });

    it('setFollow honours `asOf` the same way, one direction at a time', async () => {
      const [ana, bob] = await people(b, 2);
      await b.users.setFollow(ana!.id, bob!.id, false, at(10));
      await b.users.setFollow(ana!.id, bob!.id, true, at(9));
      expect(await follows(ana!.id, bob!.id)).toBe(false);
      await b.users.setFollow(ana!.id, bob!.id, true, at(11));
      await b.users.setFollow(ana!.id, bob!.id, true, at(11));
      expect(await follows(ana!.id, bob!.id)).toBe(true);
      expect(await follows(bob!.id, ana!.id)).toBe(false);
      await b.users.setFollow(ana!.id, bob!.id, false, at(11));
      expect(await follows(ana!.id, bob!.id)).toBe(true);
    });

    it('writes no block or follow with a deleted account, however new the event', async () => {
      const [ana, gone] = await people(b, 2);
      await b.users.erase(gone!.id, at(5));
      await b.users.setBlock(ana!.id, gone!.id, true, at(100));
      await b.users.setBlock(gone!.id, ana!.id, true, at(100));
      await b.users.setFollow(ana!.id, gone!.id, true, at(100));
      await b.users.setFollow(gone!.id, ana!.id, true, at(100));
      expect(await relation(ana!.id, gone!.id)).toMatchObject({ blocked: false, recipientFollowsSender: false });
      expect(await relation(gone!.id, ana!.id)).toMatchObject({ blocked: false, recipientFollowsSender: false });
      expect(await b.users.erase(gone!.id, at(6))).toEqual({ posts: 0, comments: 0, likes: 0, mentions: 0, messages: 0, relations: 0 });
    });

    it('erase tombstones the account and removes its content as documented, counters on other posts going down', async () => {
      const [gone, ana, bob] = await people(b, 3);
      const mention = (u: UserSummary) => ({ userId: u.id, username: u.username });
      // Their own posts, with other people's comments, likes and mentions on them.
      const [own, own2] = await publish(b, aPost(gone!, { text: `@${ana!.username}`, mentionIds: [ana!.id] }), aPost(gone!));
      await comment(b, aComment(own!, ana!), aComment(own!, gone!));
      await like(b, own!.id, ana!.id);
      await like(b, own!.id, gone!.id);
      // Ana's post: two comments and a like of theirs, a mention of them in the post and in Bob's comment.
      const [anas] = await publish(b, aPost(ana!, { text: `hi @${gone!.username}`, mentionIds: [gone!.id] }));
      const [, , bobs] = await comment(
        b,
        aComment(anas!, gone!),
        aComment(anas!, gone!),
        aComment(anas!, bob!, { text: `@${gone!.username} @${ana!.username}`, mentionIds: [gone!.id, ana!.id] }),
      );
      await like(b, anas!.id, gone!.id);
      await like(b, anas!.id, bob!.id);
      const message = (from: UserSummary, to: UserSummary): MessageView => ({ id: uuidv7(), fromUserId: from.id, toUserId: to.id, text: 'hi', createdAt: at() });
      const [sent1, sent2, received] = [message(gone!, ana!), message(gone!, bob!), message(ana!, gone!)];
      for (const m of [sent1, sent2, received]) await b.store.transaction((tx) => tx.insertMessage(m));
      await b.users.setBlock(gone!.id, bob!.id, true, at(1));
      await b.users.setFollow(ana!.id, gone!.id, true, at(1));
      await b.users.setFollow(gone!.id, ana!.id, true, at(1));

      expect(await b.users.erase(gone!.id, at(50))).toEqual({ posts: 2, comments: 2, likes: 1, mentions: 2, messages: 2, relations: 3 });

      expect(await found(gone!.id)).toBeNull();
      expect(await b.store.transaction((tx) => tx.ensureUser(gone!))).toBe(false);
      for (const post of [own!, own2!]) expect(await b.store.postExists(post.id)).toBe(false);
      expect(await b.store.listPostsByAuthor(gone!.id, { limit: 10 }, ana!.id)).toEqual([]);
      expect(await b.store.listComments(own!.id, { limit: 10 })).toEqual([]);
      expect(await b.store.findPost(anas!.id, bob!.id)).toMatchObject({ text: `hi @${gone!.username}`, mentions: [], likeCount: 1, likedByMe: true, commentCount: 1 });
      expect(await b.store.listComments(anas!.id, { limit: 10 })).toMatchObject([{ id: bobs!.id, text: bobs!.text, mentions: [mention(ana!)] }]);
      const left = (await b.messages()).map((m) => m.id);
      expect([sent1, sent2, received].filter((m) => left.includes(m.id))).toEqual([received]);
      expect(await relation(bob!.id, gone!.id)).toMatchObject({ blocked: false, recipientFollowsSender: false });
      expect(await follows(ana!.id, gone!.id)).toBe(false);

      // Idempotent: a redelivered user.deleted finds nothing left.
      expect(await b.users.erase(gone!.id, at(60))).toEqual({ posts: 0, comments: 0, likes: 0, mentions: 0, messages: 0, relations: 0 });
      expect(await b.store.findPost(anas!.id, ana!.id)).toMatchObject({ likeCount: 1, commentCount: 1 });
    });

    it('erase of an id never projected leaves a tombstone that no later event or token brings back', async () => {
      const ghost: UserSummary = aUser();
      expect(await b.users.erase(ghost.id, at(1))).toEqual({ posts: 0, comments: 0, likes: 0, mentions: 0, messages: 0, relations: 0 });
      await b.users.upsert(ghost, at(2));
      expect(await found(ghost.id)).toBeNull();
      expect(await b.store.transaction((tx) => tx.ensureUser(ghost))).toBe(false);
      expect(await b.users.update(ghost.id, { displayName: 'Boo' }, at(3))).toBe(true);
      expect(await b.store.transaction((tx) => tx.findUsersByUsernames([ghost.username.toLowerCase()]))).toEqual([]);
    });
  });
}
