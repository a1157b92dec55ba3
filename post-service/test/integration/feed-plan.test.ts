import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedSql, PostgresFeedReader, RECENT_WINDOW } from '../../src/adapters/postgres-feed-reader.js';
import { SCHEMA, startHarness, type Harness } from '../support/harness.js';

const PEOPLE = 10_000;
const FOLLOWEES = 2_000;
const POSTS = 200_000;
const PAGE = 21; // what the use case asks for a page of 20
const NOBODY = '00000000-0000-7000-8000-000000000000';
const t = (name: string) => `"${SCHEMA}"."${name}"`;
/** A uuidv7-shaped id from a time (ms) and a sequence number, in SQL. */
const v7 = (ms: string, n: string) =>
  `(lpad(to_hex(${ms}), 12, '0') || '7' || lpad(to_hex((${n}::bigint >> 48) & 4095), 3, '0') || '8' || lpad(to_hex(${n}::bigint & 281474976710655), 15, '0'))::uuid`;
const person = (i: string) => v7(`1700000000000 + ${i}`, i);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/**
 * The feed statement on a feed of real size: 10,000 people wrote 200,000 posts between them (and
 * follow 100,000 times). "busy" follows 2,000 of them; "quiet" follows 2,000 others who wrote one
 * post each, long ago. The plan must never read `posts` beyond the fast path's window of recent ids
 * and, when that does not fill the page, the (author_id, id) index entries of the page's candidates.
 */
describe('the home feed query plan (PostgreSQL, 2,000 followees, 200,000 posts)', () => {
  let h: Harness;
  const viewers = { busy: { id: '', excluded: '' }, quiet: { id: '', excluded: NOBODY } };

  beforeAll(async () => {
    h = await startHarness('post_feed_plan');
    const q = (sql: string, values: unknown[] = []) => h.pool.query(sql, values);
    const idOf = async (i: number) => (await q(`SELECT ${person(String(i))}::text AS id`)).rows[0].id as string;
    await q(`INSERT INTO ${t('users')} (id, username, username_lower, display_name)
      SELECT ${person('i')}, 'p' || i, 'p' || i, 'Person ' || i FROM generate_series(0, ${PEOPLE}) i
      UNION ALL SELECT ${person('i')}, 'q' || i, 'q' || i, 'Quiet ' || i FROM generate_series(20000, ${20000 + FOLLOWEES}) i`);
    viewers.busy.id = await idOf(0);
    viewers.quiet.id = await idOf(20000);
    // busy follows every fifth person; two of those edges were unfollowed, one followee blocks busy
    await q(`INSERT INTO ${t('follows')} (follower_id, followee_id, active, as_of)
      SELECT ${person('0')}, ${person('i')}, i NOT IN (5, 10), now() FROM generate_series(1, ${PEOPLE}) i WHERE i % 5 = 0`);
    viewers.busy.excluded = await idOf(15);
    await q(`INSERT INTO ${t('blocks')} (blocker_id, blocked_id, active, as_of) VALUES ($1, $2, true, now())`, [viewers.busy.excluded, viewers.busy.id]);
    // quiet follows 2,000 people who posted once each, before anyone else
    await q(`INSERT INTO ${t('follows')} (follower_id, followee_id, active, as_of)
      SELECT ${person('20000')}, ${person('i')}, true, now() FROM generate_series(20001, ${20000 + FOLLOWEES}) i`);
    await q(`INSERT INTO ${t('posts')} (id, author_id, text, created_at)
      SELECT ${v7('1705000000000 + i * 1000', 'i')}, ${person('i')}, 'quiet ' || i, to_timestamp(1705000000 + i) FROM generate_series(20001, ${20000 + FOLLOWEES}) i`);
    // everyone else follows ten people
    await q(`INSERT INTO ${t('follows')} (follower_id, followee_id, active, as_of)
      SELECT DISTINCT ${person('f')}, ${person('e')}, true, now()
      FROM (SELECT f, 1 + (f * 7 + k * 997) % ${PEOPLE} AS e FROM generate_series(1, ${PEOPLE}) f, generate_series(1, 10) k) x WHERE f <> e`);
    // 200,000 posts, one a second, by people drawn at random (busy among them)
    await q(`INSERT INTO ${t('posts')} (id, author_id, text, created_at)
      SELECT ${v7('1710000000000 + s * 1000', 's')}, ${person('a')}, 'post ' || s, to_timestamp(1710000000 + s)
      FROM (SELECT s, floor(random() * ${PEOPLE + 1})::int AS a FROM generate_series(1, ${POSTS}) s) x`);
    await q(`VACUUM ANALYZE ${t('users')}, ${t('follows')}, ${t('blocks')}, ${t('posts')}`);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  /** The same page the slow way: every post of every author in the feed, sorted. */
  const reference = async (viewer: { id: string; excluded: string }, before: string | null, limit: number) =>
    (
      await h.pool.query<{ id: string }>(
        `SELECT p.id::text AS id FROM ${t('posts')} p
         WHERE (p.author_id = $1::uuid OR p.author_id IN (SELECT followee_id FROM ${t('follows')} WHERE follower_id = $1::uuid AND active))
           AND p.author_id <> $3::uuid AND ($2::uuid IS NULL OR p.id < $2::uuid)
         ORDER BY p.id DESC LIMIT $4`,
        [viewer.id, before, viewer.excluded, limit],
      )
    ).rows.map((r) => r.id);

  it.each(['busy', 'quiet'] as const)('serves %s the same pages as a full sort of every followed post, from random cursors, at every page size', async (who) => {
    const viewer = viewers[who];
    const reader = new PostgresFeedReader(h.pool, SCHEMA);
    const all = await reference(viewer, null, 100_000);
    expect(all.length).toBeGreaterThan(1_900);
    const first = await reader.listFeed(viewer.id, { limit: PAGE });
    expect(first.map((p) => p.id)).toEqual(all.slice(0, PAGE));
    for (let i = 0; i < 40; i++) {
      const limit = [1, 2, 7, 21, 101][i % 5]!;
      const before = i % 8 === 0 ? undefined : all[Math.floor(Math.random() * all.length)];
      const page = await reader.listFeed(viewer.id, { before, limit });
      expect(page.map((p) => p.id)).toEqual(await reference(viewer, before ?? null, limit));
    }
    // the last page: fewer posts left than asked for
    const tail = await reader.listFeed(viewer.id, { before: all.at(-3), limit: PAGE });
    expect(tail.map((p) => p.id)).toEqual(all.slice(-2));
  });

  it.each(['busy', 'quiet'] as const)('reads posts for %s only by index, within the window or one entry per author and PAGE × PAGE more, custom and generic plans alike', async (who) => {
    const viewer = viewers[who];
    const { text } = feedSql(SCHEMA);
    const authors = Number((await h.pool.query(`SELECT count(*) FROM ${t('follows')} WHERE follower_id = $1 AND active`, [viewer.id])).rows[0].count) + 1;
    const client = await h.pool.connect();
    try {
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await client.query(`SET plan_cache_mode = ${mode}`);
        const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, [viewer.id, null, PAGE]);
        const plan = rows[0]['QUERY PLAN'][0].Plan as PlanNode;
        const onPosts = nodes(plan).filter((n) => n['Relation Name'] === 'posts');
        expect(onPosts.map((n) => n['Node Type']).filter((type) => !/^Index (Only )?Scan$/.test(type))).toEqual([]);
        const read = (list: PlanNode[]) => list.reduce((sum, n) => sum + n['Actual Rows'] * n['Actual Loops'], 0);
        // the fast path's window and the page's own rows, by primary key
        const byId = onPosts.filter((n) => n['Index Name'] === 'posts_pkey');
        expect(read(byId)).toBeLessThanOrEqual(RECENT_WINDOW + PAGE);
        // the heads path: not run at all for busy (the window filled the page), bounded for quiet
        const byAuthor = onPosts.filter((n) => n['Index Name'] === 'posts_author_id_id_idx');
        expect(byAuthor).toHaveLength(2);
        if (who === 'busy') expect(byAuthor.every((n) => n['Actual Loops'] === 0)).toBe(true);
        else expect(Math.max(...byAuthor.map((n) => n['Actual Loops']))).toBe(authors);
        expect(read(byAuthor)).toBeLessThanOrEqual(authors + PAGE * PAGE);
      }
    } finally {
      await client.query('RESET plan_cache_mode');
      client.release();
    }
  });

  it.each(['busy', 'quiet'] as const)('answers %s a page in milliseconds (timed through the adapter, named prepared statement)', async (who) => {
    const viewer = viewers[who];
    const reader = new PostgresFeedReader(h.pool, SCHEMA);
    const cursor = (await reference(viewer, null, 500)).at(-1)!;
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await reader.listFeed(viewer.id, { before: i % 2 ? cursor : undefined, limit: PAGE });
      times.push(performance.now() - started);
    }
    const sorted = times.slice(10).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(1);
    console.log(`home feed (${who}: ${FOLLOWEES} followees, ${POSTS} posts): p50 ${at(0.5)} ms, p95 ${at(0.95)} ms over ${sorted.length} pages`);
    // generous: a shared machine; the point is that it does not grow with the posts table
    expect(Number(at(0.5))).toBeLessThan(500);
  });
});
