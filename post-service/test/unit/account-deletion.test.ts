import { describe, expect, it } from 'vitest';
import { createEvent } from '@herald/contracts';
import { MemoryContentStore } from '../../src/adapters/memory-content-store.js';
import { addComment } from '../../src/app/add-comment.js';
import { createPost } from '../../src/app/create-post.js';
import { getPost } from '../../src/app/get-post.js';
import { likePost } from '../../src/app/like-post.js';
import { projectDeletedUser, projectRegisteredUser, projectUpdatedUser } from '../../src/app/project-user.js';
import { sendMessage } from '../../src/app/send-message.js';
import { actorOf, aUser, depsFor, rejection } from '../support/fixtures.js';

const deleted = (userId: string, occurredAt = new Date('2026-01-02T10:00:00Z')) => createEvent('user.deleted', { userId }, { producer: 'user-service', occurredAt });

async function world() {
  const store = new MemoryContentStore();
  const deps = depsFor(store);
  const [ana, bo, cy] = [aUser({ username: 'ana_del' }), aUser({ username: 'bo_del' }), aUser({ username: 'cy_del' })];
  for (const u of [ana, bo, cy]) await store.upsert(u, new Date('2026-01-01T00:00:00Z'));
  return { store, deps, ana, bo, cy };
}

describe('user.deleted in post-service (memory)', () => {
  it("erases the person's posts (with what hangs on them), comments, likes, mentions and sent messages, fixing counters", async () => {
    const { store, deps, ana, bo, cy } = await world();
    const anasPost = await createPost(deps, actorOf(ana), { text: 'mine, thanks @bo_del' });
    const bosPost = await createPost(deps, actorOf(bo), { text: 'hello @ana_del and @cy_del' });
    await addComment(deps, actorOf(bo), anasPost.id, { text: 'on her post' });
    await likePost(deps, actorOf(bo), anasPost.id);
    await addComment(deps, actorOf(ana), bosPost.id, { text: 'her comment' });
    await addComment(deps, actorOf(cy), bosPost.id, { text: 'cc @ana_del' });
    await likePost(deps, actorOf(ana), bosPost.id);
    await likePost(deps, actorOf(cy), bosPost.id);
    await sendMessage(deps, actorOf(ana), { toUserId: bo.id, text: 'from her' });
    await sendMessage(deps, actorOf(bo), { toUserId: ana.id, text: 'to her' });

    const erased = await projectDeletedUser(store, deleted(ana.id));
    expect(erased).toEqual({ posts: 1, comments: 1, likes: 1, mentions: 2, messages: 1, relations: 0 });

    expect(await getPost(deps, actorOf(bo), anasPost.id).catch((e: { statusCode: number }) => e.statusCode)).toBe(404);
    const remaining = await getPost(deps, actorOf(bo), bosPost.id);
    expect(remaining).toMatchObject({ likeCount: 1, commentCount: 1, mentions: [{ userId: cy.id, username: 'cy_del' }], text: 'hello @ana_del and @cy_del' });
    expect(store.messages.map((m) => [m.fromUserId, m.toUserId])).toEqual([[bo.id, ana.id]]);

    // Idempotent: a redelivery finds nothing left and changes nothing.
    expect(await projectDeletedUser(store, deleted(ana.id))).toEqual({ posts: 0, comments: 0, likes: 0, mentions: 0, messages: 0, relations: 0 });
    expect(await getPost(deps, actorOf(bo), bosPost.id)).toEqual(remaining);
  });

  it('keeps a tombstone: a late (older) user.registered or user.updated does not bring the account back', async () => {
    const { store, deps, ana, bo } = await world();
    await projectDeletedUser(store, deleted(ana.id));
    await projectRegisteredUser(store, createEvent('user.registered', { userId: ana.id, username: 'ana_del', displayName: 'Ana', email: 'a@example.com', phone: null, locale: 'en', timezone: 'UTC' }, { producer: 'user-service', occurredAt: new Date('2026-01-01T00:00:00Z') }));
    // Acked, not retried for ever: the id is known (as a tombstone), nothing changes.
    expect(await projectUpdatedUser(store, createEvent('user.updated', { userId: ana.id, changes: { displayName: 'Ana Again' } }, { producer: 'user-service' }))).toBe('applied');
    const mention = await createPost(deps, actorOf(bo), { text: 'hi @ana_del' });
    expect(mention.mentions).toEqual([]);
    // Her username is free for someone new.
    const newcomer = aUser({ username: 'ana_del' });
    await store.upsert(newcomer, new Date());
    expect((await createPost(deps, actorOf(bo), { text: 'hi @ana_del' })).mentions).toEqual([{ userId: newcomer.id, username: 'ana_del' }]);
  });

  it('refuses writes with a token of the deleted account (401 account_deleted) and messages to it (404)', async () => {
    const { store, deps, ana, bo } = await world();
    const post = await createPost(deps, actorOf(bo), { text: 'still here' });
    await projectDeletedUser(store, deleted(ana.id));
    for (const write of [
      createPost(deps, actorOf(ana), { text: 'ghost' }),
      addComment(deps, actorOf(ana), post.id, { text: 'ghost' }),
      likePost(deps, actorOf(ana), post.id),
      sendMessage(deps, actorOf(ana), { toUserId: bo.id, text: 'ghost' }),
    ]) {
      expect(await rejection(write)).toMatchObject({ statusCode: 401, code: 'account_deleted' });
    }
    expect(await rejection(sendMessage(deps, actorOf(bo), { toUserId: ana.id, text: 'are you there?' }))).toMatchObject({ statusCode: 404 });
    expect((await getPost(deps, actorOf(bo), post.id)).likeCount).toBe(0);
  });

  it('a deletion that arrives before the registration still leaves a tombstone', async () => {
    const { store, deps } = await world();
    const ghost = aUser({ username: 'never_seen' });
    await projectDeletedUser(store, deleted(ghost.id));
    await store.upsert(ghost, new Date('2026-01-01T00:00:00Z'));
    expect(await rejection(createPost(deps, actorOf(ghost), { text: 'boo' }))).toMatchObject({ code: 'account_deleted' });
  });
});
