import { Prisma } from '../generated/prisma/client.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The users table of `schema`, for the raw statements Prisma cannot express (it qualifies only its own). */
export function usersTable(schema = 'users'): Prisma.Sql {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  return Prisma.raw(`"${schema}"."users"`);
}

/**
 * Locks these users rows until commit, in id order: follow, unfollow, block and account deletion all
 * lock the rows they touch this way before anything else, so two of them on the same people queue up
 * instead of deadlocking. Returns the ids that exist (lowercase).
 */
export async function lockUsers(tx: Prisma.TransactionClient, table: Prisma.Sql, ids: readonly string[]): Promise<Set<string>> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM ${table} WHERE id = ANY(${ids.map((id) => id.toLowerCase())}::uuid[]) ORDER BY id FOR UPDATE`;
  return new Set(rows.map((r) => r.id));
}
