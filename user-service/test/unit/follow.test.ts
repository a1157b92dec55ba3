import { describe, expect, it } from 'vitest';
import { registerUser } from '../../src/app/register.js';
import { followUser } from '../../src/app/follow.js';
import { unfollowUser } from '../../src/app/unfollow.js';
import { listFollows } from '../../src/app/list-follows.js';
import { getUser } from '../../src/app/get-user.js';
import { CannotFollowSelfError, UserNotFoundError } from '../../src/domain/errors.js';
import { cursorPosition, encodeCursor } from '../../src/domain/cursor.js';
import { uuidv7 } from '@herald/platform';
import { aRegistration, memoryDeps } from '../support/memory-deps.js';

async function world(size = 2) {
  const { deps, store } = memoryDeps();
  const users = [];
  for (let i = 0; i < size; i++) users.push((await registerUser(deps, aRegistration())).user);
  store.events.length = 0;
  return { deps, store, users };
}

describe('follow and unfollow', () => {
  it('follows once however often it is asked, with one event and counters that match', async () => {
    const { deps, store, users } = await world();
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]];
    expect(await followUser(deps, a.id, b.id)).toBe(true);
    expect(await followUser(deps, a.id, b.id)).toBe(false);

    expect(store.events.map((e) => e.type)).toEqual(['user.followed']);
    expect(store.events[0]!.data).toEqual({ follower: { id: a.id, username: a.username, displayName: a.displayName }, followeeId: b.id });
    expect((await getUser(deps, a.id)).followingCount).toBe(1);
    expect((await getUser(deps, b.id)).followersCount).toBe(1);
  });

  it('unfollows once, emitting user.unfollowed only when an edge was removed', async () => {
    const { deps, store, users } = await world();
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]];
    expect(await unfollowUser(deps, a.id, b.id)).toBe(false);
    await followUser(deps, a.id, b.id);
    expect(await unfollowUser(deps, a.id, b.id)).toBe(true);
    expect(await unfollowUser(deps, a.id, b.id)).toBe(false);

    expect(store.events.map((e) => e.type)).toEqual(['user.followed', 'user.unfollowed']);
    expect(store.events[1]!.data).toEqual({ followerId: a.id, followeeId: b.id });
    expect((await getUser(deps, b.id)).followersCount).toBe(0);
  });

  it('refuses following yourself and unknown users', async () => {
    const { deps, store, users } = await world(1);
    const me = users[0]!;
    await expect(followUser(deps, me.id, me.id)).rejects.toBeInstanceOf(CannotFollowSelfError);
    await expect(unfollowUser(deps, me.id, me.id)).rejects.toBeInstanceOf(CannotFollowSelfError);
    await expect(followUser(deps, me.id, uuidv7())).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(unfollowUser(deps, me.id, uuidv7())).rejects.toBeInstanceOf(UserNotFoundError);
    expect(store.events).toHaveLength(0);
  });
});

describe('follower pages', () => {
  it('walks every follower once, newest first, across pages', async () => {
    const { deps, users } = await world(6);
    const [star, ...fans] = users;
    for (const fan of fans) await followUser(deps, fan.id, star!.id);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listFollows(deps, star!.id, 'followers', { cursor, limit: 2 });
      seen.push(...page.items.map((e) => e.user.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);

    expect(seen).toEqual(fans.map((f) => f.id).reverse());
    expect(pages).toBe(3);
    const following = await listFollows(deps, fans[0]!.id, 'following', {});
    expect(following).toEqual({ items: [expect.objectContaining({ user: expect.objectContaining({ id: star!.id }) })], nextCursor: null });
  });

  it('refuses a cursor it did not make and pages of unknown users', async () => {
    const { deps, users } = await world(1);
    for (const cursor of ['nope', encodeCursor('not-a-uuid'), Buffer.from('e1:').toString('base64url'), '%%%']) {
      await expect(listFollows(deps, users[0]!.id, 'followers', { cursor })).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'cursor' } });
    }
    await expect(listFollows(deps, uuidv7(), 'following', {})).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it('round-trips its own cursors, and still reads the e1: ones it issued before', () => {
    const id = uuidv7();
    expect(cursorPosition(encodeCursor(id))).toBe(id);
    expect(cursorPosition(Buffer.from(`e1:${id}`, 'utf8').toString('base64url'))).toBe(id);
  });
});
