import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { ana, postCreated } from '../unit/domain/mother.js';
import { count, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

const FOLLOWERS = 5_000;

/**
 * A 5,000-follower post on PostgreSQL with CHUNK_SIZE 1,000: split into work messages on a real
 * MemoryEventBus work queue that two instances consume, every follower exactly one row.
 */
describe('fan-out of a large audience', () => {
  let h: Harness;
  const author = { ...ana, id: uuidv7() };
  let followers: string[] = [];

  beforeAll(async () => {
    h = await startHarness('notif_fanout', { chunkSize: 1000, instances: 2 });
    followers = Array.from({ length: FOLLOWERS }, () => uuidv7());
    // Setup only: the projection as 5,000 user.followed events would have left it.
    await h.pool.query(
      `INSERT INTO ${SCHEMA}.follows (followee_id, follower_id, active, as_of) SELECT $1::uuid, f, true, now() FROM unnest($2::uuid[]) AS f`,
      [author.id, followers],
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  // The post, and the mention in it, both point at the post.
  const rowsFor = (postId: string) => count(h.pool, `${SCHEMA}.notifications WHERE object_id = $1`, [postId]);
  const metric = async (name: string) => {
    let total = 0;
    for (const { registry } of h.instances) total += (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
    return total;
  };

  it('splits into chunks any instance takes, and reaches every follower exactly once, even when redelivered', { timeout: 120_000 }, async () => {
    const mentioned = followers[1234]!;
    const post = postCreated({ author, postId: uuidv7(), mentionedUserIds: [mentioned] });
    await h.publish(post);
    await waitFor(async () => (await rowsFor(post.data.postId)) === FOLLOWERS, `${FOLLOWERS} rows`, 60_000);

    // 5,000 followers in pages of 1,000 (the mentioned one gets a mention instead, from the event itself).
    expect(await metric('notification_fanout_chunks_published_total')).toBe(5);
    const { rows } = await h.pool.query<{ recipient_id: string; n: number; type: string }>(
      `SELECT recipient_id, type, count(*)::int AS n FROM ${SCHEMA}.notifications WHERE object_id = $1 GROUP BY recipient_id, type`,
      [post.data.postId],
    );
    expect(rows).toHaveLength(FOLLOWERS);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(rows.filter((r) => r.type === 'mention').map((r) => r.recipient_id)).toEqual([mentioned]);
    expect(new Set(rows.map((r) => r.recipient_id))).toEqual(new Set(followers));
    // Both instances took part: the work queue is shared, not owned by whoever got the event.
    for (const instance of h.instances) {
      expect((await instance.registry.getSingleMetric('notifications_created_total')?.get())?.values[0]?.value).toBeGreaterThan(0);
    }

    // The broker redelivers the event (a crash before the ack): the chunks go out again and change nothing.
    await h.publish(structuredClone(post));
    await waitFor(async () => (await metric('notification_fanout_chunks_published_total')) === 10, 'the republished chunks', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await rowsFor(post.data.postId)).toBe(FOLLOWERS);
    expect(await count(h.pool, `${SCHEMA}.receipts WHERE event_id = $1`, [post.id])).toBe(FOLLOWERS);
  });
});
