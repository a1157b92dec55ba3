import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryContentStore } from '../../src/adapters/memory-content-store.js';
import { createPost } from '../../src/app/create-post.js';
import { getPost } from '../../src/app/get-post.js';
import { likePost } from '../../src/app/like-post.js';
import { listFeed } from '../../src/app/list-feed.js';
import { encodeCursor } from '@herald/platform/cursor';
import type { UserSummary } from '../../src/domain/model.js';
import { actorOf, aUser, depsFor, rejection, TestClock } from '../support/fixtures.js';

/** The feed use case on the memory store, which behaves as PostgresFeedReader (test/integration/feed.test.ts). */
describe('home feed (memory store)', () => {
  let store: MemoryContentStore;
  let deps: ReturnType<typeof depsFor>;
  let clock: TestClock;
  const [ana, bo, cy, dee] = [aUser(), aUser(), aUser(), aUser()];
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
  const posted: { id: string; authorId: string }[] = [];

  beforeEach(async () => {
    store = new MemoryContentStore();
    clock = new TestClock();
    deps = depsFor(store, clock);
    for (const u of [ana, bo, cy, dee]) await store.upsert(u);
    await store.setFollow(ana.id, bo.id, true, at(1));
    await store.setFollow(ana.id, cy.id, true, at(1));
    await store.setFollow(dee.id, ana.id, true, at(1));
    posted.length = 0;
    for (let i = 0; i < 10; i++) {
      const author = [ana, bo, cy, dee][i % 4]!;
      clock.advance(1000);
      const post = await createPost(deps, actorOf(author), { text: `post ${i}` });
      posted.push({ id: post.id, authorId: author.id });
    }
  });

  const idsBy = (...authors: UserSummary[]) => posted.filter((p) => authors.some((a) => a.id === p.authorId)).map((p) => p.id).reverse();
  const everything = async (viewer: UserSummary, limit: number) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listFeed(store, actorOf(viewer), { cursor, limit });
      ids.push(...page.items.map((p) => p.id));
      if (!page.nextCursor) return ids;
      expect(page.items).toHaveLength(limit);
      cursor = page.nextCursor;
    }
  };

  it('pages the viewer’s own posts and their follows’ newest first, without gaps or repeats', async () => {
    for (const limit of [1, 3, 8, 20]) expect(await everything(ana, limit)).toEqual(idsBy(ana, bo, cy));
    expect(await everything(dee, 20)).toEqual(idsBy(ana, dee));
    const first = await listFeed(store, actorOf(ana), {});
    expect(first.nextCursor).toBeNull();
  });

  it('gives each post as getPost gives it to the same viewer', async () => {
    const target = posted[1]!;
    await likePost(deps, actorOf(ana), target.id);
    const { items } = await listFeed(store, actorOf(ana), { limit: 100 });
    for (const item of items) expect(item).toEqual(await getPost(deps, actorOf(ana), item.id));
    expect(items.find((p) => p.id === target.id)).toMatchObject({ likedByMe: true, likeCount: 1 });
  });

  it('follows the projection: an unfollow drops, an older follow does not revive, a block either way hides', async () => {
    await store.setFollow(ana.id, cy.id, false, at(3));
    await store.setFollow(ana.id, cy.id, true, at(2));
    expect(await everything(ana, 20)).toEqual(idsBy(ana, bo));
    await store.setFollow(ana.id, cy.id, true, at(4));
    expect(await everything(ana, 20)).toEqual(idsBy(ana, bo, cy));

    await store.setBlock(bo.id, ana.id, true, at(5));
    expect(await everything(ana, 20)).toEqual(idsBy(ana, cy));
    await store.setBlock(ana.id, cy.id, true, at(5));
    expect(await everything(ana, 20)).toEqual(idsBy(ana));
    await store.setBlock(bo.id, ana.id, false, at(6));
    expect(await everything(ana, 20)).toEqual(idsBy(ana, bo));
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 101 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ cursor: 'abc' }, 'cursor'],
    [{ cursor: ana.id }, 'cursor'],
  ])('refuses %o naming %s', async (query, field) => {
    const err = await rejection(listFeed(store, actorOf(ana), query));
    expect([err.statusCode, err.details]).toEqual([400, expect.objectContaining({ field })]);
  });

  it('pages from any cursor by id, even one it never served', async () => {
    const all = idsBy(ana, bo, cy);
    const page = await listFeed(store, actorOf(ana), { cursor: encodeCursor(all[1]!), limit: 100 });
    expect(page.items.map((p) => p.id)).toEqual(all.slice(2));
  });
});
