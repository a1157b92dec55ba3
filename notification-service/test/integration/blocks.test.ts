import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { handleEvent } from '../../src/app/handle-event.js';
import { bo, event, postLiked } from '../unit/domain/mother.js';
import { bearer, count, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, second));

/**
 * The full block from user-service on PostgreSQL, fed through the events queue: user.blocked and
 * user.unblocked write and remove the blocker's `block` entry of the mutes, in the newest order per
 * pair, and the blocked person's actions stop notifying the blocker meanwhile. The mutes routes keep
 * working and cannot lift a full block.
 */
describe('user.blocked / user.unblocked in notification-service', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('notif_blocks');
  });
  afterAll(async () => {
    await h?.close();
  });

  const block = (blockerId: string, blockedId: string, second: number) => event('user.blocked', { blockerId, blockedId }, at(second));
  const unblock = (blockerId: string, blockedId: string, second: number) => event('user.unblocked', { blockerId, blockedId }, at(second));
  const mutes = async (userId: string) => (await h.service.app.inject({ url: '/api/v1/notifications/mutes', headers: bearer(h.tokenFor(userId)) })).json().items;
  const blockRow = async (blockerId: string, blockedId: string) =>
    (await h.pool.query(`SELECT active, as_of FROM ${SCHEMA}.blocks WHERE user_id = $1 AND blocked_user_id = $2`, [blockerId, blockedId])).rows[0];
  /** A like of the blocker's post by the blocked person, handled to the end; how many items it left the blocker. */
  const likeNotifies = async (ownerId: string, likerId: string) => {
    const before = await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1`, [ownerId]);
    await handleEvent(h.service.deps, postLiked({ postId: uuidv7(), postAuthorId: ownerId, liker: { ...bo, id: likerId } }));
    return (await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1`, [ownerId])) - before;
  };

  it('a block silences the blocked person for the blocker (and only that way round); the unblock lets them through again', async () => {
    const [ana, bob] = [uuidv7(), uuidv7()];
    await h.publish(block(ana, bob, 1));
    await waitFor(async () => (await blockRow(ana, bob))?.active === true, 'the block');
    expect(await mutes(ana)).toEqual([{ userId: bob, kind: 'block', createdAt: at(1).toISOString() }]);
    expect(await likeNotifies(ana, bob)).toBe(0);
    expect(await likeNotifies(bob, ana)).toBe(1);

    await h.publish(unblock(ana, bob, 2));
    await waitFor(async () => (await blockRow(ana, bob))?.active === false, 'the unblock');
    expect(await mutes(ana)).toEqual([]);
    expect(await likeNotifies(ana, bob)).toBe(1);
  });

  it('keeps the newest state of a pair whatever order the events arrive in, and however often', async () => {
    const [ana, bob] = [uuidv7(), uuidv7()];
    const first = block(ana, bob, 1);
    // the unblock overtakes the block it undoes; then the block is delivered, twice
    await handleEvent(h.service.deps, unblock(ana, bob, 2));
    await handleEvent(h.service.deps, first);
    await handleEvent(h.service.deps, structuredClone(first));
    expect(await blockRow(ana, bob)).toEqual({ active: false, as_of: at(2) });
    expect(await mutes(ana)).toEqual([]);
    // racing redeliveries of an old and a new state: the newest wins
    await Promise.all([3, 1, 4, 2, 4].map((s) => handleEvent(h.service.deps, s % 2 ? unblock(ana, bob, s) : block(ana, bob, s))));
    expect(await blockRow(ana, bob)).toEqual({ active: true, as_of: at(4) });
    expect(await mutes(ana)).toEqual([{ userId: bob, kind: 'block', createdAt: at(4).toISOString() }]);
  });

  it('keeps the mutes routes working: DELETE cannot lift a full block (still 204), and a mute set during it outlives the unblock', async () => {
    const [ana, bob] = [uuidv7(), uuidv7()];
    await h.registerUsers(ana, bob);
    await handleEvent(h.service.deps, block(ana, bob, 1));
    const token = bearer(h.tokenFor(ana));
    const removed = await h.service.app.inject({ method: 'DELETE', url: `/api/v1/notifications/mutes/${bob}`, headers: token });
    expect(removed.statusCode).toBe(204);
    expect(await mutes(ana)).toEqual([{ userId: bob, kind: 'block', createdAt: at(1).toISOString() }]);
    expect(await likeNotifies(ana, bob)).toBe(0);

    const muted = await h.service.app.inject({ method: 'PUT', url: `/api/v1/notifications/mutes/${bob}`, headers: token, payload: { kind: 'mute' } });
    expect(muted.statusCode).toBe(204);
    await handleEvent(h.service.deps, unblock(ana, bob, 2));
    expect(await mutes(ana)).toEqual([{ userId: bob, kind: 'mute', createdAt: at(1).toISOString() }]);
    expect(await likeNotifies(ana, bob)).toBe(0);
    expect((await h.service.app.inject({ method: 'DELETE', url: `/api/v1/notifications/mutes/${bob}`, headers: token })).statusCode).toBe(204);
    expect(await mutes(ana)).toEqual([]);
  });

  it('projects nothing about a deleted account, and erases its blocks both ways', async () => {
    const [gone, ana] = [uuidv7(), uuidv7()];
    await handleEvent(h.service.deps, block(ana, gone, 1));
    await handleEvent(h.service.deps, block(gone, ana, 1));
    await handleEvent(h.service.deps, event('user.deleted', { userId: gone }, at(2)));
    expect(await count(h.pool, `${SCHEMA}.blocks WHERE user_id = $1 OR blocked_user_id = $1`, [gone])).toBe(0);
    await handleEvent(h.service.deps, block(ana, gone, 3));
    expect(await count(h.pool, `${SCHEMA}.blocks WHERE user_id = $1 OR blocked_user_id = $1`, [gone])).toBe(0);
    expect(await mutes(ana)).toEqual([]);
  });
});
