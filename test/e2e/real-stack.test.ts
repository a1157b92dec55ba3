import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealStack, AMQP_URL, type RealStack } from '../support/real-stack.js';
import { tapEvents } from '../support/event-tap.js';
import { apiClient, uniqueName } from '../support/client.js';

// The whole stack as separate processes on real PostgreSQL and RabbitMQ, driven only through the
// gateway, with a queue bound to the event exchange watching what a consumer would receive.
describe('real infrastructure, through the gateway', () => {
  let stack: RealStack;
  let tap: Awaited<ReturnType<typeof tapEvents>>;

  beforeAll(async () => {
    stack = await startRealStack();
    tap = await tapEvents(AMQP_URL, stack.exchange);
  }, 120_000);

  afterAll(async () => {
    await tap?.close();
    await stack?.stop();
  });

  it('registers, follows, posts and comments, and every action reaches the exchange as an event', async () => {
    const api = apiClient(stack.gatewayUrl);
    const ana = await api.register(uniqueName('ana'));
    const bo = await api.register(uniqueName('bo'));

    const registered = await tap.waitFor('user.registered', (e) => e.body.data.userId === bo.user.id);
    expect(registered.body).toMatchObject({ type: 'user.registered', version: 1, producer: 'user-service', data: { username: bo.user.username } });

    expect((await api.call('POST', `/api/v1/users/${ana.user.id}/follow`, undefined, bo.accessToken)).status).toBe(204);
    const followed = await tap.waitFor('user.followed', (e) => e.body.data.followeeId === ana.user.id);
    expect(followed.body.data).toMatchObject({ follower: { id: bo.user.id }, followeeId: ana.user.id });

    // post-service learns usernames from user.registered; wait until it can resolve the mention.
    const post = await api.call('POST', '/api/v1/posts', { text: `hello @${bo.user.username}` }, ana.accessToken);
    expect(post.status).toBe(201);
    const created = await tap.waitFor('post.created', (e) => e.body.data.postId === post.body.post.id);
    expect(created.body.data).toMatchObject({ author: { id: ana.user.id, username: ana.user.username } });

    const comment = await api.call('POST', `/api/v1/posts/${post.body.post.id}/comments`, { text: 'nice one' }, bo.accessToken);
    expect(comment.status).toBe(201);
    const commented = await tap.waitFor('comment.created', (e) => e.body.data.commentId === comment.body.comment.id);
    expect(commented.body.data).toMatchObject({ postId: post.body.post.id, postAuthorId: ana.user.id, author: { id: bo.user.id } });

    // Each action produced exactly one event.
    const ids = tap.events.map((e) => e.body.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses unauthenticated API calls at the gateway with the error shape', async () => {
    const res = await apiClient(stack.gatewayUrl).call('POST', '/api/v1/posts', { text: 'x' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBeTypeOf('string');
  });
});
