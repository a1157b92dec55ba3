import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { LoginFailures } from '../domain/ports.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Failed-login counters in PostgreSQL, shared by every instance. */
export class PrismaLoginFailures implements LoginFailures {
  private readonly table: Prisma.Sql;

  constructor(
    private readonly prisma: PrismaClient,
    schema = 'users',
  ) {
    if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    this.table = Prisma.raw(`"${schema}"."login_failures"`);
  }

  async lockedUntil(key: string): Promise<Date | null> {
    const row = await this.prisma.loginFailure.findUnique({ where: { loginKey: key }, select: { lockedUntil: true } });
    return row?.lockedUntil ?? null;
  }

  /** One upsert, so concurrent failures each count. The lock is computed in SQL from the new count. */
  async recordFailure(key: string, at: Date, lockFor: (failures: number) => number): Promise<number> {
    const rows = await this.prisma.$queryRaw<Array<{ failures: number }>>`
      INSERT INTO ${this.table} (login_key, failures, updated_at) VALUES (${key}, 1, ${at})
      ON CONFLICT (login_key) DO UPDATE SET failures = ${this.table}.failures + 1, updated_at = ${at}
      RETURNING failures`;
    const failures = rows[0]!.failures;
    const ms = lockFor(failures);
    if (ms > 0) await this.prisma.loginFailure.update({ where: { loginKey: key }, data: { lockedUntil: new Date(at.getTime() + ms) } });
    return failures;
  }

  async clear(key: string): Promise<void> {
    await this.prisma.loginFailure.deleteMany({ where: { loginKey: key } });
  }
}
