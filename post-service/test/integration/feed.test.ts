import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type DomainEvent } from '@herald/contracts';
import { uuidv7 } from '@herald/platform';
import { createPrismaClient, type PostPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaUserProjection } from '../../src/adapters/prisma-user-projection.js';
import { encodeCursor } from '@herald/platform/cursor';
import type { UserSummary } from '../../src/domain/model.js';
import { aUser } from '../support/fixtures.js';
import { bearer, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

/**
 * GET /api/v1/feed on real PostgreSQL: the follows and blocks it reads come from user-service's
 * events on the bus, through the projection consumer, as in production.
 */
describe('the home feed (PostgreSQL)', () => {
  let h: Harness;
  const suffix = Math.random().toString(36).slice(2, 7);
  const person = (name: string) => aUser({ username: `${name}_${suffix}`, displayName: `${name} ${suffix}` });
  const [ana, bo, cy, dee] = [person('fd_ana'), person('fd_bo'), person('fd_cy'), person('fd_dee')];
  /** Each relation event gets a time later than the last, unless a test says otherwise. */
  let clock = Date.now();
  const next = () => new Date(++clock);

  let prisma: PostPrisma;
  let projection: PrismaUserProjection;

  beforeAll(async () => {
    h = await startHarness('post_feed');
    prisma = createPrismaClient(h.pool, SCHEMA);
    projection = new PrismaUserProjection(prisma, SCHEMA);
    for (const u of [ana, bo, cy, dee]) await h.register(u);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await h?.close();
  });

  const publish = (...events: DomainEvent[]) => h.bus.publish(events.map((e) => ({ routingKey: e.type, messageId: e.id, body: e })));
  const followed = (follower: UserSummary, followee: UserSummary, at = next(), id?: string) =>
    createEvent('user.followed', { follower, followeeId: followee.id }, { producer: 'user-service', occurredAt: at, ...(id ? { id } : {}) });
  const unfollowed = (follower: UserSummary, followee: UserSummary, at = next()) =>
    createEvent('user.unfollowed', { followerId: follower.id, followeeId: followee.id }, { producer: 'user-service', occurredAt: at });
  const blockEvent = (type: 'user.blocked' | 'user.unblocked', blocker: UserSummary, blocked: UserSummary, at = next()) =>
    createEvent(type, { blockerId: blocker.id, blockedId: blocked.id }, { producer: 'user-service', occurredAt: at });
  const relation = async (table: 'follows' | 'blocks', a: UserSummary, b: UserSummary) => {
    const [x, y] = table === 'blocks' ? ['blocker_id', 'blocked_id'] : ['follower_id', 'followee_id'];
    const { rows } = await h.pool.query(`SELECT active, as_of FROM ${SCHEMA}.${table} WHERE ${x} = $1 AND ${y} = $2`, [a.id, b.id]);
    return rows[0] as { active: boolean; as_of: Date } | undefined;
  };
  /** Publishes the event and waits until the projection holds the pair as of it. */
  const apply = async (event: DomainEvent) => {
    await publish(event);
    const d = event.data as Record<string, any>;
    const [table, from, to] = 'blockerId' in d ? (['blocks', d.blockerId, d.blockedId] as const) : (['follows', d.follower?.id ?? d.followerId, d.followeeId] as const);
    await waitFor(async () => (await relation(table, { id: from } as UserSummary, { id: to } as UserSummary))?.as_of.getTime() === new Date(event.occurredAt).getTime(), `${event.type} projected`);
  };

  /**
   * Lets events published before it be consumed: one newer event of an unrelated pair is projected
   * (the queue is consumed in order, a few at a time), then a short pause for any still in flight.
   */
  const settle = async () => {
    await apply(followed(cy, dee));
    await new Promise((r) => setTimeout(r, 150));
  };

  const write = async (author: UserSummary, text: string) => {
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(author)), payload: { text } });
    expect(res.statusCode).toBe(201);
    return res.json().post as { id: string; author: UserSummary };
  };
  const feed = (viewer: UserSummary, query = '') => h.service.app.inject({ url: `/api/v1/feed${query}`, headers: bearer(h.tokenFor(viewer)) });
  /** Every page of the viewer's feed at `limit`, in order. */
  const allPages = async (viewer: UserSummary, limit: number) => {
    const pages: { items: any[]; nextCursor: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const res = await feed(viewer, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 100);
    return pages;
  };
  const feedIds = async (viewer: UserSummary) => (await allPages(viewer, 100)).flatMap((p) => p.items.map((i: { id: string }) => i.id));

  let posts: { id: string; author: UserSummary }[] = [];
  const idsBy = (...authors: UserSummary[]) =>
    posts.filter((p) => authors.some((a) => a.id === p.author.id)).map((p) => p.id).reverse();

  it('pages the viewer’s own posts and those of the people they follow, newest first, without gaps or repeats', async () => {
    await apply(followed(ana, bo));
    await apply(followed(ana, cy));
    // dee follows ana: the other direction puts nothing of dee's into ana's feed
    await apply(followed(dee, ana));
    const authors = [ana, bo, cy, dee];
    for (let i = 0; i < 23; i++) {
      const author = authors[i % 4]!;
      posts.push(await write(author, `post ${i} by ${author.username}${i === 5 ? ` for @${ana.username}` : ''}`));
    }
    const expected = idsBy(ana, bo, cy);
    expect(expected).toHaveLength(18);

    for (const limit of [1, 4, 7, 18, 20]) {
      const pages = await allPages(ana, limit);
      const ids = pages.flatMap((p) => p.items.map((i: { id: string }) => i.id));
      expect(ids).toEqual(expected);
      expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / limit)));
      expect(pages.slice(0, -1).every((p) => p.items.length === limit && typeof p.nextCursor === 'string')).toBe(true);
      expect(pages.at(-1)!.nextCursor).toBeNull();
    }

    // the default page is 20
    const first = (await feed(ana)).json();
    expect(first.items).toHaveLength(18);
    expect(first.nextCursor).toBeNull();
  });

  it('answers each item exactly as GET /api/v1/posts/:id does for the same viewer (author, mentions, counts, likedByMe)', async () => {
    const mentioned = posts[5]!;
    expect((await h.service.app.inject({ method: 'POST', url: `/api/v1/posts/${mentioned.id}/likes`, headers: bearer(h.tokenFor(ana)) })).statusCode).toBe(204);
    expect((await h.service.app.inject({ method: 'POST', url: `/api/v1/posts/${mentioned.id}/comments`, headers: bearer(h.tokenFor(cy)), payload: { text: 'nice' } })).statusCode).toBe(201);
    const { items } = (await feed(ana, '?limit=100')).json();
    for (const item of items) {
      const single = (await h.service.app.inject({ url: `/api/v1/posts/${item.id}`, headers: bearer(h.tokenFor(ana)) })).json().post;
      expect(item).toEqual(single);
    }
    const shown = items.find((i: { id: string }) => i.id === mentioned.id);
    expect(shown).toMatchObject({ author: bo, likeCount: 1, commentCount: 1, likedByMe: true, mentions: [{ userId: ana.id, username: ana.username }] });
  });

  it('stays stable while new posts arrive above a page in progress', async () => {
    const firstPage = (await feed(ana, '?limit=5')).json();
    const newer = await write(bo, 'arrives while ana pages');
    const rest = (await allPages(ana, 100)).flatMap((p) => p.items);
    const secondPage = (await feed(ana, `?limit=100&cursor=${firstPage.nextCursor}`)).json();
    expect(secondPage.items.map((i: { id: string }) => i.id)).toEqual(rest.map((i) => i.id).slice(6));
    expect(rest[0].id).toBe(newer.id);
    posts.push(newer);
  });

  it('drops a person’s posts on user.unfollowed and brings them all back on a newer user.followed', async () => {
    await apply(unfollowed(ana, cy));
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo));
    await apply(followed(ana, cy));
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo, cy));
  });

  it('ignores a user.followed older than the user.unfollowed already projected, and duplicate deliveries', async () => {
    const t0 = next();
    const follow = followed(ana, dee, t0);
    await apply(follow);
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo, cy, dee));
    const unfollow = unfollowed(ana, dee, next());
    await apply(unfollow);
    // arriving late: the follow again (a redelivery, same event id), an older follow of the pair, the unfollow again
    await publish(follow, followed(ana, dee, new Date(t0.getTime() - 1000)), unfollow);
    await settle();
    expect(await relation('follows', ana, dee)).toEqual({ active: false, as_of: new Date(unfollow.occurredAt) });
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo, cy));

    // the projection itself, in the order that matters: an unfollow first, then a follow with an older occurredAt
    await projection.setFollow(ana.id, dee.id, false, new Date(clock + 50));
    await projection.setFollow(ana.id, dee.id, true, new Date(clock + 40));
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo, cy));
    clock += 100;

    // a newer follow delivered twice shows each post once
    const again = followed(ana, dee, next());
    await apply(again);
    await publish(again);
    await settle();
    const ids = await feedIds(ana);
    expect(ids).toEqual(idsBy(ana, bo, cy, dee));
    expect(new Set(ids).size).toBe(ids.length);
    await apply(unfollowed(ana, dee));
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo, cy));
  });

  it('leaves out the posts of people with a block between them and the viewer, either way, while it lasts', async () => {
    // bo blocks ana: ana's follow of bo stays in the projection, bo's posts leave her feed
    await apply(blockEvent('user.blocked', bo, ana));
    expect(await feedIds(ana)).toEqual(idsBy(ana, cy));
    await apply(blockEvent('user.unblocked', bo, ana));
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo, cy));
    // ana blocks cy
    await apply(blockEvent('user.blocked', ana, cy));
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo));
    // a block elsewhere changes nothing for ana; her own posts are always in
    await apply(blockEvent('user.blocked', dee, bo));
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo));
    await apply(blockEvent('user.unblocked', ana, cy));
    expect(await feedIds(ana)).toEqual(idsBy(ana, bo, cy));
  });

  it('gives an empty page to someone who follows nobody and never posted, and to an account not projected yet', async () => {
    const lurker = person('fd_lurk');
    await h.register(lurker);
    expect((await feed(lurker)).json()).toEqual({ items: [], nextCursor: null });
    expect((await feed(aUser())).json()).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=101', 'limit'],
    ['?limit=-1', 'limit'],
    ['?limit=ten', 'limit'],
    ['?limit=2.5', 'limit'],
    ['?cursor=abc', 'cursor'],
    [`?cursor=${uuidv7()}`, 'cursor'],
    [`?cursor=${Buffer.from("v1:' OR 1=1 --").toString('base64url')}`, 'cursor'],
    [`?cursor=${'A'.repeat(5000)}`, 'cursor'],
  ])('answers %s with 400 invalid_request naming %s', async (query, field) => {
    const res = await feed(ana, query);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_request', details: { field } });
  });

  it('answers bad paging with the documented bodies', async () => {
    expect((await feed(ana, '?limit=0')).json()).toEqual({
      error: { code: 'invalid_request', message: 'limit must be >= 1', details: { field: 'limit', location: 'querystring' } },
    });
    expect((await feed(ana, '?cursor=nope')).json()).toEqual({
      error: { code: 'invalid_request', message: 'cursor: is not a cursor this service issued', details: { field: 'cursor' } },
    });
  });

  it('takes a cursor of a post it never served (keyset on the id) and needs a token', async () => {
    const all = await feedIds(ana);
    const res = await feed(ana, `?limit=100&cursor=${encodeCursor(all[2]!)}`);
    expect(res.json().items.map((i: { id: string }) => i.id)).toEqual(all.slice(3));
    const anonymous = await h.service.app.inject({ url: '/api/v1/feed' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('is listed in the OpenAPI document', async () => {
    const doc = (await h.service.app.inject({ url: '/openapi.json' })).json();
    expect(doc.paths['/api/v1/feed'].get).toMatchObject({ summary: expect.stringContaining('feed') });
  });
});
