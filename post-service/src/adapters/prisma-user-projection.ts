import type { UserSummary } from '../domain/model.js';
import { UsernameTakenError, type UserNameChanges, type UserProjection } from '../domain/ports.js';
import { Prisma } from '../generated/prisma/client.js';
import type { PostPrisma } from './prisma-client.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * One statement per event, so concurrent redeliveries cannot race: each name is replaced only when
 * the event is newer than the one that set it (`*_as_of`; NULL for stand-ins and older rows). Raw
 * SQL because Prisma cannot express "set this column only when that one is older"; it names the
 * schema itself, which Prisma does for its own queries only.
 */
export class PrismaUserProjection implements UserProjection {
  private readonly users: Prisma.Sql;

  constructor(
    private readonly prisma: PostPrisma,
    schema: string,
  ) {
    if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    this.users = Prisma.raw(`"${schema}"."users"`);
  }

  async upsert(user: UserSummary, asOf: Date): Promise<void> {
    const newerName = Prisma.sql`(cur.username_as_of IS NULL OR cur.username_as_of < EXCLUDED.username_as_of)`;
    const newerDisplay = Prisma.sql`(cur.display_name_as_of IS NULL OR cur.display_name_as_of < EXCLUDED.display_name_as_of)`;
    await this.write(
      user.username,
      this.prisma.$executeRaw`
        INSERT INTO ${this.users} AS cur (id, username, username_lower, display_name, username_as_of, display_name_as_of, updated_at)
        VALUES (${user.id}::uuid, ${user.username}, ${user.username.toLowerCase()}, ${user.displayName}, ${asOf}, ${asOf}, now())
        ON CONFLICT (id) DO UPDATE SET
          username = CASE WHEN ${newerName} THEN EXCLUDED.username ELSE cur.username END,
          username_lower = CASE WHEN ${newerName} THEN EXCLUDED.username_lower ELSE cur.username_lower END,
          username_as_of = GREATEST(cur.username_as_of, EXCLUDED.username_as_of),
          display_name = CASE WHEN ${newerDisplay} THEN EXCLUDED.display_name ELSE cur.display_name END,
          display_name_as_of = GREATEST(cur.display_name_as_of, EXCLUDED.display_name_as_of),
          updated_at = now()`,
    );
  }

  async update(id: string, changes: UserNameChanges, asOf: Date): Promise<boolean> {
    const username = changes.username ?? null;
    // Lowercased here, like every other writer of username_lower and the mention lookup, never by SQL.
    const usernameLower = username?.toLowerCase() ?? null;
    const displayName = changes.displayName ?? null;
    const newerName = Prisma.sql`(${username}::text IS NOT NULL AND (username_as_of IS NULL OR username_as_of < ${asOf}))`;
    const newerDisplay = Prisma.sql`(${displayName}::text IS NOT NULL AND (display_name_as_of IS NULL OR display_name_as_of < ${asOf}))`;
    const count = await this.write(
      username ?? '',
      this.prisma.$executeRaw`
        UPDATE ${this.users} SET
          username = CASE WHEN ${newerName} THEN ${username}::text ELSE username END,
          username_lower = CASE WHEN ${newerName} THEN ${usernameLower}::text ELSE username_lower END,
          username_as_of = CASE WHEN ${newerName} THEN ${asOf} ELSE username_as_of END,
          display_name = CASE WHEN ${newerDisplay} THEN ${displayName}::text ELSE display_name END,
          display_name_as_of = CASE WHEN ${newerDisplay} THEN ${asOf} ELSE display_name_as_of END,
          updated_at = now()
        WHERE id = ${id}::uuid`,
    );
    return count > 0;
  }

  /** The only unique key besides the id (which these statements never conflict on) is username_lower. */
  private async write(username: string, statement: Promise<number>): Promise<number> {
    try {
      return await statement;
    } catch (err) {
      if (isUniqueViolation(err)) throw new UsernameTakenError(username);
      throw err;
    }
  }
}

/** P2002 from Prisma's own queries; a raw statement reports SQLSTATE 23505 inside its P2010 meta. */
function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return err.code === 'P2002' || (err.code === 'P2010' && /23505|UniqueConstraintViolation/.test(JSON.stringify(err.meta ?? {})));
}
