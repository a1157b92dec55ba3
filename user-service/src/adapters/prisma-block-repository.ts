import { outboxRow } from '@herald/platform';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { PairState } from '../domain/blocks.js';
import { UserNotFoundError } from '../domain/errors.js';
import type { BlockEntry, BlockRepository, BlockWrite } from '../domain/ports.js';
import { bumpCounters } from './prisma-follow-repository.js';
import { lockUsers, usersTable } from './prisma-locks.js';
import type { PrismaRepositoryOptions } from './prisma-user-repository.js';

/**
 * Blocks on PostgreSQL. Both users rows are locked first (in id order), so a block, a follow of
 * either person by the other and an account deletion touching them are decided one after the
 * other: a follow committing first is removed here, one committing after sees the block.
 */
export class PrismaBlockRepository implements BlockRepository {
  private readonly users: Prisma.Sql;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PrismaRepositoryOptions = {},
  ) {
    this.users = usersTable(options.schema);
  }

  async change(blockerId: string, blockedId: string, decide: (state: PairState) => BlockWrite | null): Promise<boolean> {
    const written = await this.prisma.$transaction(async (tx) => {
      if ((await lockUsers(tx, this.users, [blockerId, blockedId])).size < 2) throw new UserNotFoundError();
      const blocker = await tx.user.findUniqueOrThrow({ where: { id: blockerId }, select: { blocksChangedAt: true } });
      const block = await tx.block.findUnique({ where: { blockerId_blockedId: { blockerId, blockedId } }, select: { id: true } });
      const edges = await tx.follow.findMany({
        where: { OR: [{ followerId: blockerId, followeeId: blockedId }, { followerId: blockedId, followeeId: blockerId }] },
        orderBy: { id: 'asc' },
      });
      const write = decide({ blocked: block !== null, lastChangeAt: blocker.blocksChangedAt, edges });
      if (!write) return false;
      if (write.add) await tx.block.create({ data: { id: write.add.id, blockerId, blockedId, createdAt: write.add.createdAt } });
      else await tx.block.deleteMany({ where: { blockerId, blockedId } });
      for (const edge of write.removeEdges) {
        const { count } = await tx.follow.deleteMany({ where: { id: edge.id } });
        if (count > 0) await bumpCounters(tx, this.users, edge.followerId, edge.followeeId, -1);
      }
      // Raw: Prisma would also move updated_at, which orders profile changes, not blocks.
      await tx.$executeRaw`UPDATE ${this.users} SET blocks_changed_at = ${write.at} WHERE id = ${blockerId}::uuid`;
      for (const event of write.events) await tx.outbox.create({ data: outboxRow(event) });
      return true;
    });
    if (written) this.options.onOutboxCommit?.();
    return written;
  }

  async page(blockerId: string, opts: { beforeId?: string; limit: number }): Promise<BlockEntry[]> {
    const rows = await this.prisma.block.findMany({
      where: { blockerId, ...(opts.beforeId ? { id: { lt: opts.beforeId } } : {}) },
      orderBy: { id: 'desc' },
      take: opts.limit,
      select: { id: true, blockedId: true, createdAt: true },
    });
    return rows;
  }
}
