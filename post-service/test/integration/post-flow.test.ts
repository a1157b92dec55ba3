import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '@herald/contracts';
import type { IncomingMessage } from '@herald/platform';
import { aUser } from '../support/fixtures.js';
import { bearer, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

/** The main flow on real PostgreSQL, through HTTP, with the outbox checked row by row. */
describe('post-service on PostgreSQL', () => {
  let h: Harness;
  const alice = aUser({ username: 'alice_flow', displayName: 'Alice Flow' });
  const bob = aUser({ username: 'Bob_Flow', displayName: 'Bob Flow' });
  const carol = aUser({ username: 'carol_flow', displayName: 'Carol Flow' });
  const published: IncomingMessage[] = [];

  beforeAll(async () => {
    h = await startHarness('post_flow');
    await h.bus.subscribe({ queue: 'spy', bindings: ['post.*', 'comment.*', 'message.*'] }, async (m) => {
      published.push(m);
    });
    for (const user of [alice, bob, carol]) await h.register(user);
  });

  afterAll(async () => {
    await h?.close();
  });

  const outbox = async () =>
    (await h.pool.query<{ payload: DomainEvent }>(`SELECT payload FROM ${SCHEMA}.outbox ORDER BY created_at, id`)).rows.map((r) => r.payload);

  it('post → comment with a mention → like twice → unlike writes exactly the expected events once each', async () => {
    const before = (await outbox()).length;
    const created = await h.service.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: bearer(h.tokenFor(alice)),
      payload: { text: '  Hello @bob_flow and @CAROL_FLOW, not @ghost_flow nor me@alice_flow.com  ' },
    });
    expect(created.statusCode).toBe(201);
    const { post } = created.json();
    expect(post).toMatchObject({
      author: alice,
      text: 'Hello @bob_flow and @CAROL_FLOW, not @ghost_flow nor me@alice_flow.com',
      mentions: [
        { userId: bob.id, username: 'Bob_Flow' },
        { userId: carol.id, username: 'carol_flow' },
      ],
      likeCount: 0,
      commentCount: 0,
      likedByMe: false,
    });

    const commented = await h.service.app.inject({
      method: 'POST',
      url: `/api/v1/posts/${post.id}/comments`,
      headers: bearer(h.tokenFor(bob)),
      payload: { text: '@alice_flow thanks! cc @carol_flow @bob_flow' },
    });
    expect(commented.statusCode).toBe(201);
    const { comment } = commented.json();
    expect(comment).toMatchObject({ postId: post.id, author: bob, mentions: [{ userId: alice.id }, { userId: carol.id }, { userId: bob.id }] });

    for (let i = 0; i < 2; i++) {
      const liked = await h.service.app.inject({ method: 'POST', url: `/api/v1/posts/${post.id}/likes`, headers: bearer(h.tokenFor(bob)) });
      expect(liked.statusCode).toBe(204);
      expect(liked.body).toBe('');
    }
    let seen = (await h.service.app.inject({ url: `/api/v1/posts/${post.id}`, headers: bearer(h.tokenFor(bob)) })).json().post;
    expect(seen).toMatchObject({ likeCount: 1, commentCount: 1, likedByMe: true });

    for (let i = 0; i < 2; i++) {
      const unliked = await h.service.app.inject({ method: 'DELETE', url: `/api/v1/posts/${post.id}/likes`, headers: bearer(h.tokenFor(bob)) });
      expect(unliked.statusCode).toBe(204);
    }
    seen = (await h.service.app.inject({ url: `/api/v1/posts/${post.id}`, headers: bearer(h.tokenFor(bob)) })).json().post;
    expect(seen).toMatchObject({ likeCount: 0, commentCount: 1, likedByMe: false });

    const events = (await outbox()).slice(before);
    expect(events.map((e) => e.type)).toEqual(['post.created', 'comment.created', 'post.liked']);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    expect(events[0]).toMatchObject({
      producer: 'post-service',
      version: 1,
      data: { postId: post.id, author: alice, excerpt: post.text, mentionedUserIds: [bob.id, carol.id] },
    });
    expect(events[1]!.data).toEqual({
      commentId: comment.id,
      postId: post.id,
      postAuthorId: alice.id,
      author: bob,
      excerpt: comment.text,
      mentionedUserIds: [alice.id, carol.id],
    });
    expect(events[2]!.data).toEqual({ postId: post.id, postAuthorId: alice.id, liker: bob, excerpt: post.text });

    // the relay publishes them after commit, each once
    await waitFor(() => events.every((e) => published.some((m) => m.messageId === e.id)), 'relay to publish the events');
    for (const event of events) expect(published.filter((m) => m.messageId === event.id)).toHaveLength(1);
    const pending = await h.pool.query(`SELECT id FROM ${SCHEMA}.outbox WHERE published_at IS NULL`);
    expect(pending.rowCount).toBe(0);
  });

  it('sends a direct message and emits message.sent; refuses yourself and strangers', async () => {
    const sent = await h.service.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: bearer(h.tokenFor(carol)),
      payload: { toUserId: alice.id, text: 'psst' },
    });
    expect(sent.statusCode).toBe(201);
    const { message } = sent.json();
    expect(message).toMatchObject({ fromUserId: carol.id, toUserId: alice.id, text: 'psst' });
    expect((await outbox()).filter((e) => e.type === 'message.sent' && e.data.messageId === message.id)).toEqual([
      expect.objectContaining({ data: { messageId: message.id, sender: carol, recipientId: alice.id, excerpt: 'psst' } }),
    ]);

    const self = await h.service.app.inject({ method: 'POST', url: '/api/v1/messages', headers: bearer(h.tokenFor(carol)), payload: { toUserId: carol.id, text: 'me' } });
    expect(self.statusCode).toBe(400);
    expect(self.json().error.details).toMatchObject({ field: 'toUserId' });

    const stranger = await h.service.app.inject({ method: 'POST', url: '/api/v1/messages', headers: bearer(h.tokenFor(carol)), payload: { toUserId: aUser().id, text: 'hi' } });
    expect(stranger.statusCode).toBe(404);
  });

  it('keeps like counts exact under concurrent likes, repeats and unlikes', async () => {
    const post = (await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(alice)), payload: { text: 'race me' } })).json().post;
    const fans = Array.from({ length: 12 }, (_, i) => aUser({ username: `fan_${i}_${Date.now().toString(36)}` }));
    const like = (u: (typeof fans)[number], method: 'POST' | 'DELETE' = 'POST') =>
      h.service.app.inject({ method, url: `/api/v1/posts/${post.id}/likes`, headers: bearer(h.tokenFor(u)) });
    const results = await Promise.all(fans.flatMap((f) => [like(f), like(f), like(f)]));
    expect(results.every((r) => r.statusCode === 204)).toBe(true);
    await Promise.all(fans.slice(0, 5).flatMap((f) => [like(f, 'DELETE'), like(f, 'DELETE')]));

    const { rows } = await h.pool.query(`SELECT like_count, (SELECT count(*)::int FROM ${SCHEMA}.likes WHERE post_id = $1) AS n FROM ${SCHEMA}.posts WHERE id = $1`, [post.id]);
    expect(rows[0]).toEqual({ like_count: 7, n: 7 });
    const liked = (await outbox()).filter((e) => e.type === 'post.liked' && e.data.postId === post.id);
    expect(liked).toHaveLength(12);
    // fans were never registered: the token's username stood in, with itself as display name
    expect(liked.map((e) => (e.type === 'post.liked' ? e.data.liker.displayName : '')).sort()).toEqual(fans.map((f) => f.username).sort());
  });

  it('pages a user\u2019s posts newest first and comments oldest first, across pages', async () => {
    const dave = aUser({ username: 'dave_pages' });
    await h.register(dave);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(dave)), payload: { text: `post ${i}` } });
      ids.push(res.json().post.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const res = await h.service.app.inject({ url: `/api/v1/users/${dave.id}/posts${query}`, headers: bearer(h.tokenFor(alice)) });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      seen.push(...page.items.map((p: { id: string }) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const postId = ids[0]!;
    const commentIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await h.service.app.inject({ method: 'POST', url: `/api/v1/posts/${postId}/comments`, headers: bearer(h.tokenFor(alice)), payload: { text: `c${i}` } });
      commentIds.push(res.json().comment.id);
    }
    const first = (await h.service.app.inject({ url: `/api/v1/posts/${postId}/comments?limit=4`, headers: bearer(h.tokenFor(dave)) })).json();
    const second = (await h.service.app.inject({ url: `/api/v1/posts/${postId}/comments?limit=4&cursor=${first.nextCursor}`, headers: bearer(h.tokenFor(dave)) })).json();
    expect([...first.items, ...second.items].map((c: { id: string }) => c.id)).toEqual(commentIds);
    expect(second.nextCursor).toBeNull();
    const post = (await h.service.app.inject({ url: `/api/v1/posts/${postId}`, headers: bearer(h.tokenFor(dave)) })).json().post;
    expect(post.commentCount).toBe(5);
  });

  it('answers health, readiness and an OpenAPI document that lists the routes', async () => {
    expect((await h.service.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    const doc = (await h.service.app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/posts', '/api/v1/posts/{id}', '/api/v1/users/{id}/posts', '/api/v1/posts/{id}/comments', '/api/v1/posts/{id}/likes', '/api/v1/messages']),
    );
  });
});
