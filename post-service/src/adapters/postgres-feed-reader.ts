import type pg from 'pg';
import type { FeedReader } from '../domain/feed.js';
import type { Mention, PostView } from '../domain/model.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** Above and below every uuid: the first page's bound and "no horizon", so one statement (and one plan) serves every page. */
const TOP = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
const BOTTOM = '00000000-0000-0000-0000-000000000000';

interface FeedRow {
  id: string;
  text: string;
  like_count: number;
  comment_count: number;
  created_at: Date;
  author_id: string;
  username: string;
  display_name: string;
  liked_by_me: boolean;
  mentions: Mention[];
}

/**
 * How many of the newest posts (below the cursor) the fast path looks through for the page: enough
 * for anyone following a few hundred active people, cheap to read (one primary-key range) when it
 * is not.
 */
export const RECENT_WINDOW = 1000;

/**
 * The feed statement for one schema. $1 the viewer, $2 the id to page below (NULL: the newest),
 * $3 how many posts.
 *
 * - `authors`: the viewer and the viewer's active follows (the primary key of `follows` leads with
 *   the follower), less everyone with an active block either way (the viewer's blocks by the primary
 *   key of `blocks`, blocks of the viewer by blocks_blocked_id_blocker_id_idx, hashed once).
 * - Fast path, `recent`: the newest RECENT_WINDOW posts below the cursor (a backward range of the
 *   primary key), kept when their author is in `authors` (a hash join). When that finds $3 posts
 *   they are the page: the window is a prefix of every post below the cursor, newest first.
 * - Otherwise (people who follow quiet accounts, deep pages, the last page), `heads`: each author's
 *   newest post below the cursor, one backward step into posts_author_id_id_idx per author (index
 *   only), keeping the $3 newest heads. The page can only hold posts at or above the $3rd head (every
 *   post below it has $3 newer heads above it), so only those (at most $3) authors are read
 *   further, at most $3 ids each between that horizon and the cursor; with fewer than $3 heads there
 *   is no horizon. The gate is a one-time filter: this branch does not run when the fast path won.
 *
 * So a page costs at most RECENT_WINDOW primary-key entries, plus, when they do not suffice, one
 * index step per followee and at most $3 × $3 index entries: never a scan of `posts`, whatever its
 * size and however much each followee writes. Then only the page's rows are joined with their
 * authors, mention rows and the viewer's likes into what GET /api/v1/posts/:id answers. One
 * statement, so one snapshot: a post deleted meanwhile is either in the page whole or not at all.
 */
export function feedSql(schema: string): { name: string; text: string } {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const t = (name: string) => `"${schema}"."${name}"`;
  const below = `id < COALESCE($2::uuid, '${TOP}'::uuid)`;
  return {
    name: `${schema}.home_feed`,
    text: `
      WITH blocked AS (
        SELECT blocked_id AS id FROM ${t('blocks')} WHERE blocker_id = $1::uuid AND active
        UNION
        SELECT blocker_id FROM ${t('blocks')} WHERE blocked_id = $1::uuid AND active
      ), authors AS (
        SELECT $1::uuid AS id
        UNION ALL
        SELECT followee_id FROM ${t('follows')}
        WHERE follower_id = $1::uuid AND active AND followee_id <> $1::uuid AND followee_id NOT IN (SELECT id FROM blocked)
      ), recent AS (
        SELECT newest.id FROM (
          SELECT id, author_id FROM ${t('posts')} WHERE ${below} ORDER BY id DESC LIMIT ${RECENT_WINDOW}
        ) newest
        WHERE newest.author_id IN (SELECT id FROM authors)
        ORDER BY newest.id DESC LIMIT $3::int
      ), heads AS (
        SELECT authors.id AS author_id, head.id FROM authors
        CROSS JOIN LATERAL (
          SELECT id FROM ${t('posts')} WHERE author_id = authors.id AND ${below} ORDER BY id DESC LIMIT 1
        ) head
        ORDER BY head.id DESC LIMIT $3::int
      ), page AS (
        SELECT id FROM recent WHERE (SELECT count(*) FROM recent) = $3::int
        UNION ALL
        (
          SELECT newest.id FROM heads
          CROSS JOIN LATERAL (
            SELECT id FROM ${t('posts')}
            WHERE author_id = heads.author_id AND ${below}
              AND id >= COALESCE((SELECT id FROM heads ORDER BY id DESC OFFSET $3::int - 1 LIMIT 1), '${BOTTOM}'::uuid)
            ORDER BY id DESC LIMIT $3::int
          ) newest
          WHERE (SELECT count(*) FROM recent) < $3::int
          ORDER BY newest.id DESC LIMIT $3::int
        )
      )
      SELECT p.id::text AS id, p.text, p.like_count, p.comment_count, p.created_at,
             u.id::text AS author_id, u.username, u.display_name,
             EXISTS (SELECT 1 FROM ${t('likes')} l WHERE l.post_id = p.id AND l.user_id = $1::uuid) AS liked_by_me,
             COALESCE((
               SELECT json_agg(json_build_object('userId', m.user_id::text, 'username', mu.username) ORDER BY m.position)
               FROM ${t('post_mentions')} m JOIN ${t('users')} mu ON mu.id = m.user_id
               WHERE m.post_id = p.id
             ), '[]'::json) AS mentions
      FROM page JOIN ${t('posts')} p ON p.id = page.id JOIN ${t('users')} u ON u.id = p.author_id
      ORDER BY p.id DESC`,
  };
}

/** The home feed on PostgreSQL (and PGlite): one named prepared statement per page. */
export class PostgresFeedReader implements FeedReader {
  private readonly sql: { name: string; text: string };

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    this.sql = feedSql(schema);
  }

  async listFeed(viewerId: string, page: { before?: string; limit: number }): Promise<PostView[]> {
    const { rows } = await this.pool.query<FeedRow>({ ...this.sql, values: [viewerId, page.before ?? null, page.limit] });
    return rows.map((row) => ({
      id: row.id,
      author: { id: row.author_id, username: row.username, displayName: row.display_name },
      text: row.text,
      mentions: row.mentions,
      likeCount: row.like_count,
      commentCount: row.comment_count,
      likedByMe: row.liked_by_me,
      createdAt: row.created_at,
    }));
  }
}
