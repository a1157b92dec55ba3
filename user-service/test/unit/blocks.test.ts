import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { registerUser } from '../../src/app/register.js';
import { followUser } from '../../src/app/follow.js';
import { blockUser, unblockUser } from '../../src/app/block.js';
import { listBlocks } from '../../src/app/list-blocks.js';
import { getUser } from '../../src/app/get-user.js';
import { updateProfile } from '../../src/app/update-profile.js';
import { unfollowUser } from '../../src/app/unfollow.js';
import { followBlock, nextChangeAt, unfollowAt } from '../../src/domain/blocks.js';
import { BlockedError, InvalidFieldError, UserNotFoundError } from '../../src/domain/errors.js';
import { meView } from '../../src/domain/user.js';
import { aRegistration, memoryDeps } from '../support/memory-deps.js';

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

describe('block rules (pure)', () => {
  it('orders a blocker’s changes after the previous one, whatever this clock says', () => {
    expect(nextChangeAt(t(10), null)).toEqual(t(10));
    expect(nextChangeAt(t(10), t(5))).toEqual(t(10));
    expect(nextChangeAt(t(10), t(10))).toEqual(t(11));
    expect(nextChangeAt(t(10), t(500))).toEqual(t(501));
  });

  it('puts the unfollow a block causes after the follow it undoes', () => {
    expect(unfollowAt(t(100), { createdAt: t(40) })).toEqual(t(100));
    expect(unfollowAt(t(100), { createdAt: t(100) })).toEqual(t(101));
    expect(unfollowAt(t(100), { createdAt: t(250) })).toEqual(t(251));
  });

  it('refuses a follow when either blocks the other, telling the blocker it is theirs', () => {
    expect(followBlock('a', [])).toBeNull();
    expect(followBlock('a', ['a'])).toBe('you_blocked');
    expect(followBlock('a', ['b'])).toBe('blocked_you');
    expect(followBlock('a', ['b', 'a'])).toBe('you_blocked');
  });
});

async function world(size = 3) {
  const { deps, store } = memoryDeps();
  const users = [];
  for (let i = 0; i < size; i++) users.push((await registerUser(deps, aRegistration())).user);
  store.events.length = 0;
  return { deps, store, ids: users.map((u) => u.id) as [string, string, string] };
}

describe('blocking (memory repositories)', () => {
  it('removes the follows both ways with a user.unfollowed each, then emits user.blocked; a repeat writes nothing', async () => {
    const { deps, store, ids } = await world();
    const [ana, bob, cy] = ids;
    await followUser(deps, ana, bob);
    await followUser(deps, bob, ana);
    await followUser(deps, cy, ana);
    store.events.length = 0;

    expect(await blockUser(deps, ana, bob)).toBe(true);
    expect(await blockUser(deps, ana, bob)).toBe(false);

    expect(store.events.map((e) => [e.type, e.data])).toEqual([
      ['user.unfollowed', { followerId: ana, followeeId: bob }],
      ['user.unfollowed', { followerId: bob, followeeId: ana }],
      ['user.blocked', { blockerId: ana, blockedId: bob }],
    ]);
    expect(store.edges.map((e) => [e.followerId, e.followeeId])).toEqual([[cy, ana]]);
    expect(await getUser(deps, ana)).toMatchObject({ followersCount: 1, followingCount: 0 });
    expect(await getUser(deps, bob)).toMatchObject({ followersCount: 0, followingCount: 0 });
  });

  it('refuses follows either way while the block holds, with one code and a message only the blocker can read as theirs', async () => {
    const { deps, store, ids } = await world();
    const [ana, bob] = ids;
    await blockUser(deps, ana, bob);
    store.events.length = 0;

    const byBlocked = await followUser(deps, bob, ana).catch((e: unknown) => e);
    const byBlocker = await followUser(deps, ana, bob).catch((e: unknown) => e);
    expect(byBlocked).toBeInstanceOf(BlockedError);
    expect(byBlocker).toBeInstanceOf(BlockedError);
    expect(byBlocked).toMatchObject({ code: 'blocked', message: 'id: you cannot follow this user', details: { field: 'id' } });
    expect(byBlocker).toMatchObject({ code: 'blocked', message: 'id: you blocked this user; unblock them first' });
    expect(store.events).toEqual([]);
    // Unfollowing is no follow: still fine (and a no-op).
    expect(await unfollowUser(deps, bob, ana)).toBe(false);
  });

  it('unblocks once, lets them follow again, and never brings the removed follows back', async () => {
    const { deps, store, ids } = await world();
    const [ana, bob] = ids;
    await followUser(deps, bob, ana);
    await blockUser(deps, ana, bob);
    store.events.length = 0;

    expect(await unblockUser(deps, ana, bob)).toBe(true);
    expect(await unblockUser(deps, ana, bob)).toBe(false);
    expect(store.events.map((e) => [e.type, e.data])).toEqual([['user.unblocked', { blockerId: ana, blockedId: bob }]]);
    expect(store.edges).toEqual([]);
    expect(await followUser(deps, bob, ana)).toBe(true);
  });

  it('gives each blocker’s events strictly increasing times even when the clock stands still or goes back', async () => {
    const { deps, store, ids } = await world();
    const [ana, bob, cy] = ids;
    let now = t(1000);
    deps.clock = { now: () => now };
    await blockUser(deps, ana, bob);
    await unblockUser(deps, ana, bob);
    now = t(900);
    await blockUser(deps, ana, cy);
    await blockUser(deps, ana, bob);
    expect(store.events.map((e) => e.occurredAt)).toEqual([t(1000), t(1001), t(1002), t(1003)].map((d) => d.toISOString()));
  });

  it('dates a user.unfollowed after the follow it undoes when the follow looks newer than the block', async () => {
    const { deps, store, ids } = await world();
    const [ana, bob] = ids;
    deps.clock = { now: () => t(5000) };
    await followUser(deps, bob, ana);
    deps.clock = { now: () => t(4000) };
    await blockUser(deps, ana, bob);
    const [unfollowed, blocked] = store.events.slice(-2);
    expect(unfollowed).toMatchObject({ type: 'user.unfollowed', occurredAt: t(5001).toISOString() });
    expect(blocked).toMatchObject({ type: 'user.blocked', occurredAt: t(4000).toISOString() });
  });

  it('refuses yourself (400 naming id) and unknown people (404), writing nothing', async () => {
    const { deps, store, ids } = await world(1);
    const [me] = ids;
    for (const call of [blockUser, unblockUser]) {
      const self = await call(deps, me, me).catch((e: unknown) => e);
      expect(self).toBeInstanceOf(InvalidFieldError);
      expect(self).toMatchObject({ code: 'invalid_request', details: { field: 'id' } });
      await expect(call(deps, me, uuidv7())).rejects.toBeInstanceOf(UserNotFoundError);
    }
    expect(store.events).toEqual([]);
  });

  it('lists the people you block, newest first, page by page', async () => {
    const { deps, ids } = await world(1);
    const [me] = ids;
    const others = [];
    for (let i = 0; i < 5; i++) others.push((await registerUser(deps, aRegistration())).user.id);
    for (const id of others) await blockUser(deps, me, id);
    await unblockUser(deps, me, others[2]!);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listBlocks(deps, me, { cursor, limit: 2 });
      seen.push(...page.items.map((b) => b.blockedId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([others[4], others[3], others[1], others[0]]);
    expect((await listBlocks(deps, others[0]!, {})).items).toEqual([]);
    await expect(listBlocks(deps, me, { cursor: 'garbage' })).rejects.toMatchObject({ details: { field: 'cursor' } });
  });
});

describe('direct-message policy', () => {
  it('starts as everyone, is shown to its owner, and changes with user.updated carrying only it', async () => {
    const { deps, store, ids } = await world(1);
    const [me] = ids;
    expect(meView(await getUser(deps, me)).directMessages).toBe('everyone');
    const changed = await updateProfile(deps, me, { directMessages: 'following' });
    expect(meView(changed).directMessages).toBe('following');
    await updateProfile(deps, me, { directMessages: 'following' });
    expect(store.events.map((e) => [e.type, e.data])).toEqual([['user.updated', { userId: me, changes: { directMessages: 'following' } }]]);
  });

  it('refuses any other value, naming the field', async () => {
    const { deps, ids } = await world(1);
    await expect(updateProfile(deps, ids[0], { directMessages: 'nobody' as never })).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'directMessages' } });
  });
});
