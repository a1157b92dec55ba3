import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type PostPrisma = InstanceType<typeof PrismaClient>;

/**
 * Prisma on a pool the caller owns (it may be the single shared connection of the embedded mode),
 * with every query qualified by `schema`. Disconnecting the client leaves the pool open.
 */
export function createPrismaClient(pool: pg.Pool, schema: string): PostPrisma {
  return new PrismaClient({
    adapter: new PrismaPg(pool, { schema }),
    // On the embedded single connection a transaction may queue behind another: wait, don't fail.
    transactionOptions: { maxWait: 10_000, timeout: 15_000 },
  });
}
