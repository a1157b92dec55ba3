import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { addComment } from '../../src/app/add-comment.js';
import { commentCreated } from '../../src/app/events.js';
import { createPrismaClient, type PostPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaContentStore } from '../../src/adapters/prisma-content-store.js';
import { PrismaUserProjection } from '../../src/adapters/prisma-user-projection.js';
import type { ContentStore } from '../../src/domain/ports.js';
import { actorOf, aUser, depsFor } from '../support/fixtures.js';
import { bearer, SCHEMA, startHarness, type Harness } from '../support/harness.js';

/**
 * Adding a comment is one read and one statement on PostgreSQL (PrismaContentStore.writeComment):
 * all of it or nothing, and nothing at all when the post is gone or the writer changed after the
 * read, in which case the use case takes the transactional path and its answer is as before.
 */
describe('adding a comment on PostgreSQL: one read, one statement', () => {
  let h: Harness;
  let prisma: PostPrisma;
  let store: PrismaContentStore;
  const author = aUser();
  const writer = aUser();
  const named = aUser();
  let postId: string;

  beforeAll(async () => {
    h = await startHarness('post_comment_write');
    prisma = createPrismaClient(h.pool, SCHEMA);
    store = new PrismaContentStore(prisma, SCHEMA, h.pool);
    for (const u of [author, writer, named]) await h.register(u);
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(author)), payload: { text: 'a post' } });
    postId = res.json().post.id;
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await h?.close();
  });

  const rows = async (table: string, where: string, values: unknown[]) => (await h.pool.query(`SELECT * FROM ${SCHEMA}.${table} WHERE ${where}`, values)).rows;
  const commentCount = async () => (await rows('posts', 'id = $1', [postId]))[0]!.comment_count as number;
  const newComment = (overrides: { postId?: string; mentionIds?: string[] } = {}) => {
    const createdAt = new Date();
    return { id: uuidv7(createdAt.getTime()), postId, authorId: writer.id, text: 'hello', mentionIds: [], createdAt, ...overrides };
  };
  const eventFor = (c: ReturnType<typeof newComment>) =>
    commentCreated({ id: c.id, postId: c.postId, author: writer, text: c.text, mentions: [], createdAt: c.createdAt }, { id: c.postId, authorId: author.id });

  it('reads the post, the writer, the named people and the blocks in one go', async () => {
    const context = await store.readCommentContext(postId, writer.id, [named.username.toLowerCase(), 'nobody_here']);
    expect(context).toEqual({ post: { id: postId, authorId: author.id }, writer, named: [named], blockedWithWriter: new Set() });
    expect(await store.readCommentContext(uuidv7(), uuidv7(), [])).toEqual({ post: null, writer: null, named: [], blockedWithWriter: new Set() });
  });

  it('finds the blocks either way between the writer and the people named, active ones only', async () => {
    const [blocked, blocker, lifted] = [aUser(), aUser(), aUser()];
    for (const u of [blocked, blocker, lifted]) await h.register(u);
    const block = (from: string, to: string, active: boolean) =>
      h.pool.query(`INSERT INTO ${SCHEMA}.blocks (blocker_id, blocked_id, active, as_of) VALUES ($1, $2, $3, now())`, [from, to, active]);
    await block(writer.id, blocked.id, true);
    await block(blocker.id, writer.id, true);
    await block(writer.id, lifted.id, false);
    const names = [blocked, blocker, lifted, named].map((u) => u.username.toLowerCase());
    const context = await store.readCommentContext(postId, writer.id, names);
    expect(context.blockedWithWriter).toEqual(new Set([blocked.id, blocker.id]));
    expect(context.named.map((u) => u.id).sort()).toEqual([blocked, blocker, lifted, named].map((u) => u.id).sort());
    await h.pool.query(`DELETE FROM ${SCHEMA}.blocks WHERE $1 IN (blocker_id, blocked_id)`, [writer.id]);
  });

  it('writes the comment, its mentions in order, the counter and the outbox row together', async () => {
    const before = await commentCount();
    const c = newComment({ mentionIds: [named.id, author.id] });
    const event = eventFor(c);
    expect(await store.writeComment(c, writer, event)).toBe('written');
    expect(await rows('comments', 'id = $1', [c.id])).toEqual([{ id: c.id, post_id: postId, author_id: writer.id, text: 'hello', created_at: c.createdAt }]);
    expect((await rows('comment_mentions', 'comment_id = $1 ORDER BY position', [c.id])).map((r) => [r.user_id, r.position])).toEqual([
      [named.id, 0],
      [author.id, 1],
    ]);
    expect(await commentCount()).toBe(before + 1);
    const [outbox] = await rows('outbox', 'id = $1', [event.id]);
    expect(outbox).toMatchObject({ routing_key: 'comment.created', payload: JSON.parse(JSON.stringify(event)) });
  });

  it('writes nothing for a post that is not there, or a writer renamed or deleted since the read', async () => {
    const before = await commentCount();
    const missing = newComment({ postId: uuidv7() });
    expect(await store.writeComment(missing, writer, eventFor(missing))).toBe('no_post');
    const stale = newComment();
    expect(await store.writeComment(stale, { ...writer, displayName: 'an older name' }, eventFor(stale))).toBe('writer_changed');
    const stranger = newComment();
    expect(await store.writeComment({ ...stranger, authorId: uuidv7() }, writer, eventFor(stranger))).toBe('writer_changed');
    for (const c of [missing, stale, stranger]) expect(await rows('comments', 'id = $1', [c.id])).toEqual([]);
    expect(await rows('outbox', "routing_key = 'comment.created' AND payload->'data'->>'commentId' = ANY($1::text[])", [[missing.id, stale.id, stranger.id]])).toEqual([]);
    expect(await commentCount()).toBe(before);
  });

  it('a rename between the read and the write: the transactional path writes it, with the new name', async () => {
    const renamed = `${writer.username}_x`.slice(0, 32);
    // The store as the use case sees it, with the rename landing right after the read.
    const racing: ContentStore = Object.create(store, {
      readCommentContext: {
        value: async (...args: Parameters<ContentStore['readCommentContext']>) => {
          const context = await store.readCommentContext(...args);
          await h.pool.query(`UPDATE ${SCHEMA}.users SET username = $2, username_lower = $3 WHERE id = $1`, [writer.id, renamed, renamed.toLowerCase()]);
          return context;
        },
      },
    });
    const deps = depsFor(racing);
    const comment = await addComment(deps, actorOf(writer), postId, { text: 'after the rename' });
    expect(comment.author).toEqual({ ...writer, username: renamed });
    const [outbox] = await rows('outbox', "payload->'data'->>'commentId' = $1", [comment.id]);
    expect(outbox.payload.data.author).toEqual({ ...writer, username: renamed });
    expect(await rows('comments', 'id = $1', [comment.id])).toHaveLength(1);
    expect(deps.wakes).toBe(1);
  });

  it("comments racing the deletion of the post's author: each is a 201 or a 404, never a 500 or a deadlock, and nothing is left", async () => {
    const owner = aUser();
    const commenters = [aUser(), aUser(), aUser()];
    for (const u of [owner, ...commenters]) await h.register(u);
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(owner)), payload: { text: 'going away' } });
    const doomed = res.json().post.id;
    const comment = (u: typeof owner, i: number) =>
      h.service.app.inject({ method: 'POST', url: `/api/v1/posts/${doomed}/comments`, headers: bearer(h.tokenFor(u)), payload: { text: `c${i} @${owner.username}` } });
    const answers = Promise.all(Array.from({ length: 30 }, (_, i) => comment(commenters[i % 3]!, i)));
    await new PrismaUserProjection(prisma, SCHEMA).erase(owner.id, new Date());
    const statuses = (await answers).map((a) => a.statusCode);
    expect(statuses.every((s) => s === 201 || s === 404), statuses.join(',')).toBe(true);
    expect(await rows('comments', 'post_id = $1', [doomed])).toEqual([]);
    expect(await rows('comment_mentions', 'user_id = $1', [owner.id])).toEqual([]);
  });
});
