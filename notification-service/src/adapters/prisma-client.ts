import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { STATUS_RANK } from '../domain/notification.js';
import { Prisma, PrismaClient } from '../generated/prisma/client.js';

export type NotificationPrisma = InstanceType<typeof PrismaClient>;
/** The client inside `$transaction(fn)`, or the client itself: raw SQL runs the same on both. */
export type Db = Pick<NotificationPrisma, '$queryRaw' | '$executeRaw'>;

/**
 * Prisma on a pool the caller owns (it may be the one shared connection of the embedded mode),
 * with every generated query qualified by `schema`. Disconnecting the client leaves the pool open.
 */
export function createPrismaClient(pool: pg.Pool, schema: string): NotificationPrisma {
  return new PrismaClient({
    adapter: new PrismaPg(pool, { schema }),
    // On the embedded single connection a transaction may queue behind another: wait, don't fail.
    transactionOptions: { maxWait: 10_000, timeout: 30_000 },
  });
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Schema-qualified table names for raw SQL: PrismaPg's `schema` option qualifies generated queries
 * only, and the search_path is not ours to change on a shared pool.
 */
export function tables(schema: string) {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const table = (name: string) => Prisma.raw(`"${schema}"."${name}"`);
  return {
    notifications: table('notifications'),
    receipts: table('receipts'),
    streams: table('streams'),
    deliveries: table('deliveries'),
    preferences: table('preferences'),
    users: table('users'),
    follows: table('follows'),
    mutes: table('mutes'),
    blocks: table('blocks'),
    sendRequests: table('send_requests'),
    attempts: table('delivery_attempts'),
    deadLetters: table('dead_letters'),
    undeliverable: table('undeliverable_addresses'),
    outbox: table('outbox'),
  };
}

export type Tables = ReturnType<typeof tables>;

/**
 * A delivery status's rank (domain/notification.ts STATUS_RANK) in SQL, built from it so the two
 * never disagree: the adapters' updates only ever move a status forward.
 */
export const deliveryStatusRankSql = (value: Prisma.Sql): Prisma.Sql =>
  Prisma.sql`(CASE ${value} ${Prisma.join(Object.entries(STATUS_RANK).map(([status, r]) => Prisma.sql`WHEN ${status}::text THEN ${r}::int`), ' ')} ELSE 9 END)`;
