import type { DomainEvent } from '@herald/contracts';
import { outboxRow } from '@herald/platform';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { followBlock } from '../domain/blocks.js';
import { BlockedError, UserNotFoundError } from '../domain/errors.js';
import type { FollowDirection, FollowEdge, FollowPageEntry, FollowRepository } from '../domain/ports.js';
import { mapFollowWriteError } from './prisma-errors.js';
import { lockUsers, usersTable } from './prisma-locks.js';
import { toUser, type PrismaRepositoryOptions } from './prisma-user-repository.js';

/**
 * The follow graph. Counters live on the users rows and change in the same transaction as the
 * edge, only when an edge was really inserted or deleted, so repeats and races never drift them:
 * concurrent inserts of one edge serialise on its unique index and concurrent deletes on its row.
 * Both users rows are locked first (lockUsers), like a block does, so a follow and a block of the
 * same two people never interleave.
 */
export class PrismaFollowRepository implements FollowRepository {
  private readonly users: Prisma.Sql;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PrismaRepositoryOptions = {},
  ) {
    this.users = usersTable(options.schema);
  }

  async follow(edge: FollowEdge, event: DomainEvent): Promise<boolean> {
    const { followerId, followeeId } = edge;
    try {
      const created = await this.prisma.$transaction(async (tx) => {
        if ((await lockUsers(tx, this.users, [followerId, followeeId])).size < 2) throw new UserNotFoundError();
        const blocks = await tx.block.findMany({
          where: { OR: [{ blockerId: followerId, blockedId: followeeId }, { blockerId: followeeId, blockedId: followerId }] },
          select: { blockerId: true },
        });
        const refused = followBlock(followerId, blocks.map((b) => b.blockerId));
        if (refused) throw new BlockedError(refused);
        const { count } = await tx.follow.createMany({ data: [edge], skipDuplicates: true });
        if (count === 0) return false;
        await bumpCounters(tx, this.users, edge.followerId, edge.followeeId, 1);
        await tx.outbox.create({ data: outboxRow(event) });
        return true;
      });
      if (created) this.options.onOutboxCommit?.();
      return created;
    } catch (err) {
      throw mapFollowWriteError(err);
    }
  }

  async unfollow(followerId: string, followeeId: string, event: DomainEvent): Promise<boolean> {
    const removed = await this.prisma.$transaction(async (tx) => {
      await lockUsers(tx, this.users, [followerId, followeeId]);
      const { count } = await tx.follow.deleteMany({ where: { followerId, followeeId } });
      if (count === 0) return false;
      await bumpCounters(tx, this.users, followerId, followeeId, -1);
      await tx.outbox.create({ data: outboxRow(event) });
      return true;
    });
    if (removed) this.options.onOutboxCommit?.();
    return removed;
  }

  async page(userId: string, direction: FollowDirection, opts: { beforeEdgeId?: string; limit: number }): Promise<FollowPageEntry[]> {
    const followers = direction === 'followers';
    const rows = await this.prisma.follow.findMany({
      where: { ...(followers ? { followeeId: userId } : { followerId: userId }), ...(opts.beforeEdgeId ? { id: { lt: opts.beforeEdgeId } } : {}) },
      orderBy: { id: 'desc' },
      take: opts.limit,
      include: { follower: followers, followee: !followers },
    });
    return rows.map((row) => ({
      edgeId: row.id,
      followedAt: row.createdAt,
      user: toUser(followers ? row.follower! : row.followee!),
    }));
  }
}

/**
 * Rows are updated in id order so A-follows-B and B-follows-A at the same moment cannot deadlock
 * (callers have locked them in that order already). Raw, like a block's blocks_changed_at: Prisma
 * would also move updated_at, which orders profile changes, and a follow is none.
 */
export async function bumpCounters(tx: Prisma.TransactionClient, users: Prisma.Sql, followerId: string, followeeId: string, by: 1 | -1) {
  const updates = [
    { id: followerId, column: Prisma.raw('following_count') },
    { id: followeeId, column: Prisma.raw('followers_count') },
  ].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const { id, column } of updates) await tx.$executeRaw`UPDATE ${users} SET ${column} = ${column} + ${by} WHERE id = ${id}::uuid`;
}
