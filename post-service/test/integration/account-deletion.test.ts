import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '@herald/contracts';
import { MemoryEventBus, uuidv7 } from '@herald/platform';
import { USERS_QUEUE } from '../../src/index.js';
import { createPrismaClient, type PostPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaUserProjection } from '../../src/adapters/prisma-user-projection.js';
import { aUser } from '../support/fixtures.js';
import { bearer, publishRegistered, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';
import type { UserSummary } from '../../src/domain/model.js';

/** user.deleted on a real PostgreSQL, through the bus as in production: erase, tombstone, refuse. */
describe('account deletion in post-service', () => {
  let h: Harness;
  let bus: MemoryEventBus;
  let prisma: PostPrisma;

  beforeAll(async () => {
    bus = new MemoryEventBus();
    h = await startHarness('post_deletion', { bus });
    prisma = createPrismaClient(h.pool, SCHEMA);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await h?.close();
    await bus.close();
  });

  const call = (user: UserSummary, method: 'POST' | 'GET' | 'DELETE', url: string, payload?: object) =>
    h.service.app.inject({ method, url, headers: bearer(h.tokenFor(user)), ...(payload ? { payload } : {}) });
  const publishDeleted = async (userId: string, eventId = uuidv7()) => {
    const event = createEvent('user.deleted', { userId }, { producer: 'user-service', id: eventId });
    await bus.publish([{ routingKey: event.type, messageId: event.id, body: event }]);
  };
  const count = async (sql: string, params: unknown[]) => (await h.pool.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n as number;
  const tombstoned = async (id: string) => (await count(`${SCHEMA}.users WHERE id = $1 AND deleted_at IS NOT NULL`, [id])) === 1;
  /** Everything left that names the person, in every table. */
  const traces = async (id: string) => ({
    posts: await count(`${SCHEMA}.posts WHERE author_id = $1`, [id]),
    comments: await count(`${SCHEMA}.comments WHERE author_id = $1`, [id]),
    likes: await count(`${SCHEMA}.likes WHERE user_id = $1`, [id]),
    mentions: (await count(`${SCHEMA}.post_mentions WHERE user_id = $1`, [id])) + (await count(`${SCHEMA}.comment_mentions WHERE user_id = $1`, [id])),
    sent: await count(`${SCHEMA}.messages WHERE from_user_id = $1`, [id]),
  });

  it('erases posts, comments, likes, mentions and sent messages, fixes the counters of other posts, and a redelivery changes nothing', async () => {
    const [ana, bo, cy] = [aUser({ username: 'ana_gone' }), aUser({ username: 'bo_stays' }), aUser({ username: 'cy_stays' })];
    for (const u of [ana, bo, cy]) await h.register(u);
    const anasPost = (await call(ana, 'POST', '/api/v1/posts', { text: 'mine, hi @bo_stays' })).json().post;
    const bosPost = (await call(bo, 'POST', '/api/v1/posts', { text: 'hello @ana_gone and @cy_stays' })).json().post;
    expect((await call(bo, 'POST', `/api/v1/posts/${anasPost.id}/comments`, { text: 'on hers' })).statusCode).toBe(201);
    expect((await call(bo, 'POST', `/api/v1/posts/${anasPost.id}/likes`)).statusCode).toBe(204);
    expect((await call(ana, 'POST', `/api/v1/posts/${bosPost.id}/comments`, { text: 'hers on his' })).statusCode).toBe(201);
    expect((await call(cy, 'POST', `/api/v1/posts/${bosPost.id}/comments`, { text: 'cc @ana_gone' })).statusCode).toBe(201);
    expect((await call(ana, 'POST', `/api/v1/posts/${bosPost.id}/likes`)).statusCode).toBe(204);
    expect((await call(cy, 'POST', `/api/v1/posts/${bosPost.id}/likes`)).statusCode).toBe(204);
    expect((await call(ana, 'POST', '/api/v1/messages', { toUserId: bo.id, text: 'from her' })).statusCode).toBe(201);
    expect((await call(bo, 'POST', '/api/v1/messages', { toUserId: ana.id, text: 'to her' })).statusCode).toBe(201);
    expect(await traces(ana.id)).toEqual({ posts: 1, comments: 1, likes: 1, mentions: 2, sent: 1 });

    const eventId = uuidv7();
    await publishDeleted(ana.id, eventId);
    await waitFor(() => tombstoned(ana.id), 'the tombstone');
    await waitFor(async () => (await traces(ana.id)).sent === 0, 'the erase to commit');
    expect(await traces(ana.id)).toEqual({ posts: 0, comments: 0, likes: 0, mentions: 0, sent: 0 });
    expect((await h.pool.query(`SELECT username, username_lower, display_name FROM ${SCHEMA}.users WHERE id = $1`, [ana.id])).rows[0]).toEqual({ username: '', username_lower: '', display_name: '' });

    expect((await call(bo, 'GET', `/api/v1/posts/${anasPost.id}`)).statusCode).toBe(404);
    const his = (await call(bo, 'GET', `/api/v1/posts/${bosPost.id}`)).json().post;
    expect(his).toMatchObject({ likeCount: 1, commentCount: 1, mentions: [{ userId: cy.id, username: 'cy_stays' }], text: 'hello @ana_gone and @cy_stays' });
    expect((await call(bo, 'GET', `/api/v1/posts/${bosPost.id}/comments`)).json().items.map((c: { text: string; mentions: unknown[] }) => [c.text, c.mentions])).toEqual([['cc @ana_gone', []]]);
    expect((await call(bo, 'GET', `/api/v1/users/${ana.id}/posts`)).json().items).toEqual([]);
    // What others sent her stays with its sender.
    expect(await count(`${SCHEMA}.messages WHERE to_user_id = $1`, [ana.id])).toBe(1);

    // The same event again, and a new event for the same deletion: nothing more changes, nothing is dead-lettered.
    await publishDeleted(ana.id, eventId);
    await publishDeleted(ana.id);
    const marker = aUser({ username: 'marker_del' });
    await h.register(marker); // delivered after the repeats on the same queue
    expect((await call(bo, 'GET', `/api/v1/posts/${bosPost.id}`)).json().post).toEqual(his);
    expect(bus.deadLetters(USERS_QUEUE)).toHaveLength(0);
  });

  it('a late, older user.registered or user.updated does not resurrect the account, and its name is free for someone else', async () => {
    const dee = aUser({ username: 'dee_gone' });
    await h.register(dee);
    await publishDeleted(dee.id);
    await waitFor(() => tombstoned(dee.id), 'the tombstone');

    await publishRegistered(bus, dee);
    const update = createEvent('user.updated', { userId: dee.id, changes: { displayName: 'Dee Back' } }, { producer: 'user-service' });
    await bus.publish([{ routingKey: update.type, messageId: update.id, body: update }]);
    const heir = aUser({ username: 'dee_gone' });
    await h.register(heir);
    expect((await h.pool.query(`SELECT username, display_name, deleted_at IS NOT NULL AS gone FROM ${SCHEMA}.users WHERE id = $1`, [dee.id])).rows[0]).toEqual({ username: '', display_name: '', gone: true });
    const author = aUser({ username: 'mentions_dee' });
    const post = (await call(author, 'POST', '/api/v1/posts', { text: 'hi @dee_gone' })).json().post;
    expect(post.mentions).toEqual([{ userId: heir.id, username: 'dee_gone' }]);
    expect(bus.deadLetters(USERS_QUEUE)).toHaveLength(0);

    // Straight at the adapter, with explicit instants: a registration newer than nothing still loses to the tombstone.
    const projection = new PrismaUserProjection(prisma, SCHEMA);
    await projection.upsert({ ...dee, username: 'dee_again' }, new Date(Date.now() + 60_000));
    expect(await projection.update(dee.id, { username: 'dee_again' }, new Date(Date.now() + 60_000))).toBe(true);
    expect(await tombstoned(dee.id)).toBe(true);
    expect(await count(`${SCHEMA}.users WHERE username_lower = 'dee_again'`, [])).toBe(0);
  });

  it('refuses writes with a still-valid token of the deleted account (401 account_deleted), and messages to it (404)', async () => {
    const [eve, fay] = [aUser({ username: 'eve_gone' }), aUser({ username: 'fay_stays' })];
    await h.register(eve);
    await h.register(fay);
    const fays = (await call(fay, 'POST', '/api/v1/posts', { text: 'still here' })).json().post;
    await publishDeleted(eve.id);
    await waitFor(() => tombstoned(eve.id), 'the tombstone');
    for (const [method, url, body] of [
      ['POST', '/api/v1/posts', { text: 'ghost' }],
      ['POST', `/api/v1/posts/${fays.id}/comments`, { text: 'ghost' }],
      ['POST', `/api/v1/posts/${fays.id}/likes`, undefined],
      ['POST', '/api/v1/messages', { toUserId: fay.id, text: 'ghost' }],
    ] as const) {
      const res = await call(eve, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error.code).toBe('account_deleted');
    }
    expect((await call(fay, 'POST', '/api/v1/messages', { toUserId: eve.id, text: 'hello?' })).statusCode).toBe(404);
    expect(await traces(eve.id)).toEqual({ posts: 0, comments: 0, likes: 0, mentions: 0, sent: 0 });
  });

  it('a deletion that overtakes the registration leaves a tombstone the registration cannot undo', async () => {
    const gil = aUser({ username: 'gil_early' });
    await publishDeleted(gil.id);
    await waitFor(() => tombstoned(gil.id), 'the tombstone');
    await publishRegistered(bus, gil);
    const marker = aUser({ username: 'marker_gil' });
    await h.register(marker);
    expect(await tombstoned(gil.id)).toBe(true);
    expect((await call(gil, 'POST', '/api/v1/posts', { text: 'boo' })).statusCode).toBe(401);
  });

  it('a write racing the deletion is either refused or erased with the rest, never left behind', async () => {
    const [hal, ida] = [aUser({ username: 'hal_race' }), aUser({ username: 'ida_race' })];
    await h.register(hal);
    await h.register(ida);
    const target = (await call(ida, 'POST', '/api/v1/posts', { text: 'like me' })).json().post;
    const projection = new PrismaUserProjection(prisma, SCHEMA);
    const writes = Array.from({ length: 20 }, (_, i) =>
      i % 2 ? call(hal, 'POST', '/api/v1/posts', { text: `post ${i}` }) : call(hal, 'POST', `/api/v1/posts/${target.id}/comments`, { text: `comment ${i}` }),
    );
    const [results] = await Promise.all([Promise.all(writes), projection.erase(hal.id, new Date())]);
    for (const r of results) expect([201, 401]).toContain(r.statusCode);
    expect(await traces(hal.id)).toEqual({ posts: 0, comments: 0, likes: 0, mentions: 0, sent: 0 });
    expect((await call(ida, 'GET', `/api/v1/posts/${target.id}`)).json().post.commentCount).toBe(0);
  });
});
