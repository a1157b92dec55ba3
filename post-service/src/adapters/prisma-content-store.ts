import type pg from 'pg';
import type { DomainEvent } from '@herald/contracts';
import { outboxRow } from '@herald/platform';
import type { CommentView, NewComment, PostView, UserSummary } from '../domain/model.js';
import { UsernameTakenError, type CommentContext, type CommentWrite, type ContentStore, type ContentTransaction } from '../domain/ports.js';
import type { MessagingRelation } from '../domain/reach.js';
import { Prisma } from '../generated/prisma/client.js';
import type { PostPrisma } from './prisma-client.js';
import { commentInclude, postInclude, toCommentView, toPostView } from './prisma-views.js';

type Tx = Prisma.TransactionClient;

/**
 * The content ports on PostgreSQL. Counters move by atomic increments in the transaction that adds
 * or removes the row they count, and only when a row really was added or removed (the primary key
 * of `likes` decides, not a read-then-write), so they stay exact under concurrent requests.
 */
export class PrismaContentStore implements ContentStore {
  private readonly tables: Tables;
  private readonly commentSql: CommentSql;

  /**
   * `pool` is the one Prisma runs on: the two statements of adding a comment (the service's hottest
   * write) go to it directly, named prepared statements without Prisma's per-query work, and
   * without an interactive transaction's BEGIN, COMMIT and a round trip per step.
   */
  constructor(
    private readonly prisma: PostPrisma,
    schema: string,
    private readonly pool: pg.Pool,
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    const table = (name: string) => Prisma.raw(`"${schema}"."${name}"`);
    this.tables = { users: table('users'), blocks: table('blocks'), follows: table('follows') };
    this.commentSql = commentSql(schema);
  }

  async readCommentContext(postId: string, writerId: string, names: readonly string[]): Promise<CommentContext> {
    const { rows } = await this.pool.query<{ kind: ContextRowKind; id: string; username: string | null; display_name: string | null }>({
      name: this.commentSql.contextName,
      text: this.commentSql.context,
      values: [postId, writerId, names],
    });
    const context: CommentContext = { post: null, writer: null, named: [], blockedWithWriter: new Set() };
    for (const row of rows) {
      if (row.kind === 'post') context.post = { id: row.id, authorId: row.username! };
      else if (row.kind === 'writer') context.writer = { id: row.id, username: row.username!, displayName: row.display_name! };
      else if (row.kind === 'deleted') context.writer = 'deleted';
      else if (row.kind === 'named') context.named.push({ id: row.id, username: row.username!, displayName: row.display_name! });
      else context.blockedWithWriter.add(row.id);
    }
    return context;
  }

  async writeComment(comment: NewComment, writer: UserSummary, event: DomainEvent): Promise<CommentWrite> {
    const row = outboxRow(event);
    const { rows } = await this.pool.query<{ post: boolean; written: boolean }>({
      name: this.commentSql.writeName,
      text: this.commentSql.write,
      values: [
        comment.id, comment.postId, comment.authorId, comment.text, comment.createdAt, comment.mentionIds,
        writer.username, writer.displayName, row.id, row.routingKey, JSON.stringify(row.payload),
      ],
    });
    const result = rows[0]!;
    return result.written ? 'written' : result.post ? 'writer_changed' : 'no_post';
  }

  transaction<T>(work: (tx: ContentTransaction) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((tx) => work(transactionPorts(tx, this.tables)));
  }

  async findPost(id: string, viewerId: string): Promise<PostView | null> {
    const row = await this.prisma.post.findUnique({ where: { id }, include: postInclude(viewerId) });
    return row ? toPostView(row) : null;
  }

  async postExists(id: string): Promise<boolean> {
    return (await this.prisma.post.count({ where: { id } })) > 0;
  }

  async listPostsByAuthor(authorId: string, page: { before?: string; limit: number }, viewerId: string): Promise<PostView[]> {
    const rows = await this.prisma.post.findMany({
      where: { authorId, ...(page.before ? { id: { lt: page.before } } : {}) },
      orderBy: { id: 'desc' },
      take: page.limit,
      include: postInclude(viewerId),
    });
    return rows.map(toPostView);
  }

  async listComments(postId: string, page: { after?: string; limit: number }): Promise<CommentView[]> {
    const rows = await this.prisma.comment.findMany({
      where: { postId, ...(page.after ? { id: { gt: page.after } } : {}) },
      orderBy: { id: 'asc' },
      take: page.limit,
      include: commentInclude,
    });
    return rows.map(toCommentView);
  }
}

const userSummary = { id: true, username: true, displayName: true } as const;

type ContextRowKind = 'post' | 'writer' | 'deleted' | 'named' | 'blocked';

interface CommentSql {
  contextName: string;
  context: string;
  writeName: string;
  write: string;
}

/**
 * The statements of adding a comment, for one schema. `context` ($1 post, $2 writer, $3 lowercased
 * names): one row per fact, `kind` saying which (a post row carries its author id in `username`).
 * `write` ($1-$6 the comment and its mention ids, $7-$8 the writer's names as read, $9-$11 the outbox
 * row) is one statement, so all or nothing. Locks in the order of the transactional path: the writer
 * FOR SHARE first (as findUser; the post's condition on it makes that an init plan, run before the
 * posts scan, so an account deletion in flight is waited for without holding the post), then the
 * post FOR KEY SHARE (what the comment's foreign key takes anyway: a post deletion in flight is waited
 * for and then seen, not turned into a foreign-key error). The inserts and the counter follow only
 * when both were found. `post` (unlocked) tells a missing post from a changed writer. The outbox
 * trigger NOTIFYs the relays on commit.
 */
function commentSql(schema: string): CommentSql {
  const t = (name: string) => `"${schema}"."${name}"`;
  const named = `SELECT id FROM ${t('users')} WHERE username_lower = ANY($3::text[]) AND deleted_at IS NULL`;
  return {
    contextName: `${schema}.comment_context`,
    context: `
      SELECT 'post' AS kind, id::text AS id, author_id::text AS username, NULL::text AS display_name FROM ${t('posts')} WHERE id = $1::uuid
      UNION ALL
      SELECT CASE WHEN deleted_at IS NULL THEN 'writer' ELSE 'deleted' END, id::text, username, display_name FROM ${t('users')} WHERE id = $2::uuid
      UNION ALL
      SELECT 'named', id::text, username, display_name FROM ${t('users')} WHERE username_lower = ANY($3::text[]) AND deleted_at IS NULL
      UNION ALL
      SELECT 'blocked', other::text, NULL, NULL FROM (
        SELECT blocked_id AS other FROM ${t('blocks')} WHERE active AND blocker_id = $2::uuid AND blocked_id IN (${named})
        UNION
        SELECT blocker_id FROM ${t('blocks')} WHERE active AND blocked_id = $2::uuid AND blocker_id IN (${named})
      ) b`,
    writeName: `${schema}.comment_write`,
    write: `
      WITH writer AS (
        SELECT id FROM ${t('users')} WHERE id = $3::uuid AND deleted_at IS NULL AND username = $7::text AND display_name = $8::text FOR SHARE
      ), post AS (
        SELECT id FROM ${t('posts')} WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM writer) FOR KEY SHARE
      ), comment AS (
        INSERT INTO ${t('comments')} (id, post_id, author_id, text, created_at)
        SELECT $1::uuid, post.id, writer.id, $4::text, $5::timestamptz FROM post, writer
        RETURNING id, post_id
      ), mentions AS (
        INSERT INTO ${t('comment_mentions')} (comment_id, user_id, position)
        SELECT comment.id, m.user_id, (m.n - 1)::smallint FROM comment, unnest($6::uuid[]) WITH ORDINALITY AS m(user_id, n)
      ), counted AS (
        UPDATE ${t('posts')} p SET comment_count = p.comment_count + 1 FROM comment WHERE p.id = comment.post_id
      ), event AS (
        INSERT INTO ${t('outbox')} (id, routing_key, payload) SELECT $9::uuid, $10::text, $11::jsonb FROM comment
      )
      SELECT EXISTS (SELECT 1 FROM ${t('posts')} WHERE id = $2::uuid) AS post, EXISTS (SELECT 1 FROM comment) AS written`,
  };
}

/** The tables the raw statements name (Prisma qualifies only its own queries with the schema). */
interface Tables {
  users: Prisma.Sql;
  blocks: Prisma.Sql;
  follows: Prisma.Sql;
}

function transactionPorts(tx: Tx, { users, blocks, follows }: Tables): ContentTransaction {
  return {
    async findUser(id) {
      // FOR SHARE: an account deletion (which updates this row first) waits for this transaction, or this one for it.
      const rows = await tx.$queryRaw<{ id: string; username: string; display_name: string; deleted_at: Date | null }[]>`
        SELECT id, username, display_name, deleted_at FROM ${users} WHERE id = ${id}::uuid FOR SHARE`;
      const row = rows[0];
      return row && row.deleted_at === null ? { id: row.id, username: row.username, displayName: row.display_name } : null;
    },
    findUsersByUsernames: (names) => tx.user.findMany({ where: { usernameLower: { in: names }, deletedAt: null }, select: userSummary }),
    async ensureUser(user) {
      const { count } = await tx.user.createMany({ data: [{ ...user, usernameLower: user.username.toLowerCase() }], skipDuplicates: true });
      if (count > 0) return true;
      // Already there: a live account (projected meanwhile), or the tombstone of a deleted one. Or
      // not there at all: the insert met another account's username (skipDuplicates covers every
      // unique key), and a write naming this id would fail on its foreign key.
      const row = await tx.user.findUnique({ where: { id: user.id }, select: { deletedAt: true } });
      if (!row) throw new UsernameTakenError(user.username);
      return row.deletedAt === null;
    },
    findPostRef: (id) => tx.post.findUnique({ where: { id }, select: { id: true, authorId: true, text: true } }),
    async insertPost({ mentionIds, ...post }) {
      await tx.post.create({ data: { ...post, mentions: { createMany: { data: mentionIds.map((userId, position) => ({ userId, position })) } } } });
    },
    async insertComment({ mentionIds, ...comment }) {
      await tx.comment.create({ data: { ...comment, mentions: { createMany: { data: mentionIds.map((userId, position) => ({ userId, position })) } } } });
      await tx.post.update({ where: { id: comment.postId }, data: { commentCount: { increment: 1 } } });
    },
    async addLike(postId, userId, at) {
      const { count } = await tx.like.createMany({ data: [{ postId, userId, createdAt: at }], skipDuplicates: true });
      if (count > 0) await tx.post.update({ where: { id: postId }, data: { likeCount: { increment: 1 } } });
      return count > 0;
    },
    async removeLike(postId, userId) {
      const { count } = await tx.like.deleteMany({ where: { postId, userId } });
      if (count > 0) await tx.post.update({ where: { id: postId }, data: { likeCount: { decrement: 1 } } });
      return count > 0;
    },
    async insertMessage(message) {
      await tx.message.create({ data: message });
    },
    /** One round trip, each part on a primary key. */
    async messagingRelation(senderId, recipientId): Promise<MessagingRelation> {
      const [row] = await tx.$queryRaw<{ blocked: boolean; policy: string | null; follows: boolean }[]>`
        SELECT
          EXISTS (SELECT 1 FROM ${blocks} WHERE active AND ((blocker_id = ${senderId}::uuid AND blocked_id = ${recipientId}::uuid)
                                                         OR (blocker_id = ${recipientId}::uuid AND blocked_id = ${senderId}::uuid))) AS blocked,
          (SELECT direct_messages FROM ${users} WHERE id = ${recipientId}::uuid) AS policy,
          EXISTS (SELECT 1 FROM ${follows} WHERE active AND follower_id = ${recipientId}::uuid AND followee_id = ${senderId}::uuid) AS follows`;
      const policy = row?.policy === 'following' || row?.policy === 'everyone' ? row.policy : null;
      return { blocked: row?.blocked ?? false, recipientPolicy: policy, recipientFollowsSender: row?.follows ?? false };
    },
    /** The writer's own blocks by primary key, the blocks of the writer by blocks_blocked_id_blocker_id_idx. */
    async blockedWith(writerId, userIds) {
      if (userIds.length === 0) return new Set();
      const ids = [...userIds];
      const rows = await tx.$queryRaw<{ id: string }[]>`
        SELECT blocked_id AS id FROM ${blocks} WHERE active AND blocker_id = ${writerId}::uuid AND blocked_id = ANY(${ids}::uuid[])
        UNION
        SELECT blocker_id FROM ${blocks} WHERE active AND blocked_id = ${writerId}::uuid AND blocker_id = ANY(${ids}::uuid[])`;
      return new Set(rows.map((r) => r.id));
    },
    async enqueue(event) {
      const row = outboxRow(event);
      await tx.outbox.create({ data: { ...row, payload: row.payload as Prisma.InputJsonObject } });
    },
  };
}
