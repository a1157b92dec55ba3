import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { handleEvent } from '../../src/app/handle-event.js';
import { ana, bo, cy, di, event, messageSent, postCreated, postLiked, userFollowed } from '../unit/domain/mother.js';
import { count, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

/** The event pipeline on PostgreSQL through the Prisma adapters, fed by the events queue. */
describe('event pipeline on PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('notif_pipeline');
  });
  afterAll(async () => {
    await h?.close();
  });

  const rowsOf = (userId: string) => count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1`, [userId]);

  it('the same event delivered twice yields one notification per recipient and one live frame each', async () => {
    const author = { ...ana, id: uuidv7() };
    const [f1, f2, mentioned] = [uuidv7(), uuidv7(), uuidv7()];
    await h.publish(userFollowed({ follower: { ...bo, id: f1 }, followeeId: author.id }), userFollowed({ follower: { ...cy, id: f2 }, followeeId: author.id }));
    const followGroup = async () => (await h.service.deps.inbox.list(author.id, { limit: 10 })).items;
    await waitFor(async () => (await followGroup())[0]?.count === 2, 'the grouped follow notification');

    const post = postCreated({ author, mentionedUserIds: [mentioned] });
    await h.publish(post);
    await h.publish(structuredClone(post));
    // Redelivered straight to the handler as well, racing nothing but proving the receipts.
    await handleEvent(h.service.deps, structuredClone(post));
    await waitFor(async () => (await rowsOf(f1)) + (await rowsOf(f2)) + (await rowsOf(mentioned)) === 3, 'three notifications');
    await new Promise((r) => setTimeout(r, 200)); // let any duplicate delivery finish

    for (const user of [f1, f2, mentioned]) {
      expect(await rowsOf(user)).toBe(1);
      expect(h.live.notificationsFor(user)).toHaveLength(1);
    }
    expect(await count(h.pool, `${SCHEMA}.receipts WHERE event_id = $1`, [post.id])).toBe(3);
    const follows = await followGroup();
    expect(follows).toHaveLength(1);
    // The two follows were handled concurrently: either may be the newest.
    expect(follows[0]).toMatchObject({ type: 'follow', count: 2, title: expect.stringMatching(/^(Bo and Cy|Cy and Bo) followed you$/) });
  });

  it('5 likes become one item with count 5 and a new id each time; the old ids are superseded and not listed', async () => {
    const owner = uuidv7();
    const postId = uuidv7();
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      await h.publish(postLiked({ postId, postAuthorId: owner, liker: { id: uuidv7(), username: `liker${i}`, displayName: `Liker ${i}` } }));
      await waitFor(async () => {
        const [top] = (await h.service.deps.inbox.list(owner, { limit: 1 })).items;
        return top?.count === i + 1;
      }, `like ${i + 1}`);
      seen.push((await h.service.deps.inbox.list(owner, { limit: 1 })).items[0]!.id);
    }
    expect(new Set(seen).size).toBe(5);
    const listed = (await h.service.deps.inbox.list(owner, { limit: 10 })).items;
    expect(listed.map((n) => [n.id, n.count, n.title])).toEqual([[seen[4], 5, 'Liker 4 and 4 others liked your post']]);
    expect(await h.service.deps.inbox.unreadCount(owner)).toBe(1);
    const { rows } = await h.pool.query(`SELECT id, superseded_by FROM ${SCHEMA}.notifications WHERE recipient_id = $1 ORDER BY id`, [owner]);
    expect(rows.map((r) => r.superseded_by)).toEqual([...seen.slice(1), null]);
  });

  it('concurrent likes on one post still merge into one group (per-group serialisation)', async () => {
    const owner = uuidv7();
    const postId = uuidv7();
    const likes = Array.from({ length: 8 }, (_, i) => postLiked({ postId, postAuthorId: owner, liker: { id: uuidv7(), username: `c${i}`, displayName: `C ${i}` } }));
    await Promise.all(likes.map((like) => handleEvent(h.service.deps, like)));
    const listed = (await h.service.deps.inbox.list(owner, { limit: 10 })).items;
    expect(listed.map((n) => n.count)).toEqual([8]);
    expect(await rowsOf(owner)).toBe(8);
  });

  it('forty messages at once go through a few batched passes: every stream numbered 1..n, each actor\'s mutes applied', async () => {
    const recipients = Array.from({ length: 5 }, () => uuidv7());
    const senders = Array.from({ length: 8 }, (_, i) => ({ id: uuidv7(), username: `m${i}`, displayName: `M ${i}` }));
    await h.service.deps.projections.mute(recipients[0]!, senders[0]!.id, 'mute', new Date());
    const batches = async () => (await h.instances[0]!.registry.getSingleMetric('notification_chunk_batch_size')!.get()).values.find((v) => (v as { metricName?: string }).metricName === 'notification_chunk_batch_size_count')?.value ?? 0;
    const before = await batches();
    const messages = senders.flatMap((sender) => recipients.map((recipientId) => messageSent({ sender, recipientId, messageId: uuidv7() })));
    await Promise.all(messages.map((m) => handleEvent(h.service.deps, m)));
    const passes = (await batches()) - before;
    expect(passes).toBeGreaterThan(0);
    expect(passes).toBeLessThan(messages.length);
    for (const [i, recipient] of recipients.entries()) {
      const { rows } = await h.pool.query(`SELECT seq FROM ${SCHEMA}.notifications WHERE recipient_id = $1 ORDER BY seq`, [recipient]);
      const expected = i === 0 ? 7 : 8;
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: expected }, (_, k) => k + 1));
      expect(h.live.notificationsFor(recipient).map((n) => n.seq).sort((a, b) => a! - b!)).toEqual(rows.map((r) => Number(r.seq)));
    }
    expect(h.live.notificationsFor(recipients[0]!).some((n) => n.actor?.id === senders[0]!.id)).toBe(false);
  });

  it('routes by preferences, drops muted actors and clears the email timer of those who saw it live', async () => {
    const [muter, online, offline] = [uuidv7(), uuidv7(), uuidv7()];
    const author = { ...di, id: uuidv7() };
    await h.service.deps.projections.mute(muter, author.id, 'block', new Date());
    h.live.online.add(online);
    await h.publish(postCreated({ author, mentionedUserIds: [muter, online, offline] }));
    await waitFor(async () => (await rowsOf(online)) + (await rowsOf(offline)) === 2, 'two mentions');
    expect(await rowsOf(muter)).toBe(0);
    // The timers of people seen live are cleared after the push, just after the commit.
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1 AND fallback_reason IS NOT NULL`, [online])) === 1, 'the online timer cleared');
    const { rows } = await h.pool.query(
      `SELECT d.recipient_id, d.channel, d.status, d.reason FROM ${SCHEMA}.deliveries d WHERE d.recipient_id = ANY($1::uuid[]) ORDER BY d.channel`,
      [[online, offline]],
    );
    const of = (user: string) => rows.filter((r) => r.recipient_id === user).map((r) => `${r.channel}:${r.status}${r.reason ? `:${r.reason}` : ''}`);
    // Fan-out writes only the in_app row; the email is a timer on the notification (no row until it fires).
    expect(of(online)).toEqual(['in_app:delivered']);
    expect(of(offline)).toEqual(['in_app:delivered']);
    const timers = await h.pool.query(
      `SELECT recipient_id, fallback_at, fallback_channels, fallback_reason, created_at FROM ${SCHEMA}.notifications WHERE recipient_id = ANY($1::uuid[])`,
      [[online, offline]],
    );
    const timerOf = (user: string) => {
      const r = timers.rows.find((t) => t.recipient_id === user);
      return { at: r.fallback_at?.getTime() ?? null, channels: r.fallback_channels, reason: r.fallback_reason, createdAt: r.created_at.getTime() };
    };
    // Default preferences: email only (sms, slack and push are off), FALLBACK_DELAY_MS (120 s) after creation.
    const away = timerOf(offline);
    expect(away).toEqual({ at: away.createdAt + 120_000, channels: ['email'], reason: null, createdAt: expect.any(Number) });
    expect(timerOf(online)).toEqual({ at: null, channels: ['email'], reason: 'delivered_live', createdAt: expect.any(Number) });
  });

  it('an unknown type is acked and counted; a registration projects the user', async () => {
    const id = uuidv7();
    await h.publish({ ...postLiked(), id: uuidv7(), type: 'post.archived', data: {} });
    await h.publish(event('user.registered', { userId: id, username: 'zed', displayName: 'Zed', email: 'zed@example.com', phone: null, locale: 'en', timezone: 'Asia/Tokyo' }));
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.users WHERE id = $1`, [id])) === 1, 'the projected user');
    expect((await h.service.deps.preferences.get(id)).timezone).toBe('Asia/Tokyo');
    const metrics = await h.instances[0]!.registry.metrics();
    expect(metrics).toMatch(/notification_events_unknown_total\{[^}]*\} 1\b/);
  });
});
