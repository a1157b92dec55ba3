import { outboxRow } from '@herald/platform';
import type { CommentView, PostView } from '../domain/model.js';
import type { ContentStore, ContentTransaction } from '../domain/ports.js';
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

  constructor(
    private readonly prisma: PostPrisma,
    schema = 'posts',
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    const table = (name: string) => Prisma.raw(`"${schema}"."${name}"`);
    this.tables = { users: table('users'), blocks: table('blocks'), follows: table('follows') };
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
      // Already there: a live account (projected meanwhile), or the tombstone of a deleted one.
      return (await tx.user.count({ where: { id: user.id, deletedAt: { not: null } } })) === 0;
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
