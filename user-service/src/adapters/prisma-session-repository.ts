import type { DomainEvent } from '@herald/contracts';
import { outboxRow } from '@herald/platform';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { UserNotFoundError } from '../domain/errors.js';
import type { NewSession, RotationPlan, SessionRepository } from '../domain/ports.js';
import type { SessionEndReason, StoredRefreshToken } from '../domain/sessions.js';
import type { PrismaRepositoryOptions } from './prisma-user-repository.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Sessions and refresh tokens in PostgreSQL; every write that ends sessions carries its event in the outbox. */
export class PrismaSessionRepository implements SessionRepository {
  private readonly tables: { sessions: Prisma.Sql; tokens: Prisma.Sql; users: Prisma.Sql };

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PrismaRepositoryOptions = {},
  ) {
    const schema = options.schema ?? 'users';
    if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    this.tables = {
      sessions: Prisma.raw(`"${schema}"."sessions"`),
      tokens: Prisma.raw(`"${schema}"."refresh_tokens"`),
      users: Prisma.raw(`"${schema}"."users"`),
    };
  }

  async start(session: NewSession): Promise<void> {
    const { tokenHash, ...row } = session;
    await this.prisma.$transaction([
      this.prisma.session.create({ data: { ...row, lastUsedAt: row.createdAt } }),
      this.prisma.refreshToken.create({ data: { tokenHash, sessionId: row.id, issuedAt: row.createdAt } }),
    ]);
  }

  async rotate(tokenHash: string, decide: (found: StoredRefreshToken | null) => RotationPlan): Promise<RotationPlan> {
    const { sessions, tokens, users } = this.tables;
    let wroteOutbox = false;
    const plan = await this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<{ session_id: string; user_id: string; username: string; used_at: Date | null; revoked_at: Date | null; expires_at: Date }>>`
        SELECT t.session_id, s.user_id, u.username, t.used_at, s.revoked_at, s.expires_at
        FROM ${tokens} t JOIN ${sessions} s ON s.id = t.session_id JOIN ${users} u ON u.id = s.user_id
        WHERE t.token_hash = ${tokenHash}
        FOR UPDATE OF t, s`;
      const row = rows[0];
      const found: StoredRefreshToken | null = row
        ? { sessionId: row.session_id, userId: row.user_id, username: row.username, usedAt: row.used_at, revokedAt: row.revoked_at, expiresAt: row.expires_at }
        : null;
      const plan = decide(found);
      if (plan.next && found) {
        // The first use is kept (a second exchange inside the reuse grace): the grace counts from it.
        if (!found.usedAt) await tx.refreshToken.update({ where: { tokenHash }, data: { usedAt: plan.next.at } });
        await tx.refreshToken.create({ data: { tokenHash: plan.next.tokenHash, sessionId: found.sessionId, issuedAt: plan.next.at } });
        await tx.session.update({ where: { id: found.sessionId }, data: { lastUsedAt: plan.next.at, expiresAt: plan.next.expiresAt } });
      }
      if (plan.end && found) {
        await tx.session.updateMany({
          where: { id: found.sessionId, revokedAt: null },
          data: { revokedAt: plan.end.at, revokedReason: 'refresh_token_reuse' satisfies SessionEndReason },
        });
        await tx.outbox.create({ data: outboxRow(plan.end.event) });
        wroteOutbox = true;
      }
      return plan;
    });
    if (wroteOutbox) this.options.onOutboxCommit?.();
    return plan;
  }

  async sessionOfToken(tokenHash: string): Promise<{ sessionId: string; userId: string } | null> {
    const row = await this.prisma.refreshToken.findUnique({ where: { tokenHash }, select: { session: { select: { id: true, userId: true } } } });
    return row ? { sessionId: row.session.id, userId: row.session.userId } : null;
  }

  async end(
    userId: string,
    which: { sessionIds?: string[]; keepSessionId?: string },
    reason: SessionEndReason,
    at: Date,
    event: (ended: string[]) => DomainEvent | null,
  ): Promise<string[]> {
    let wroteOutbox = false;
    const ended = await this.prisma.$transaction(async (tx) => {
      const ended = await this.endWithin(tx, userId, which, reason, at);
      const e = event(ended);
      if (e) {
        await tx.outbox.create({ data: outboxRow(e) });
        wroteOutbox = true;
      }
      return ended;
    });
    if (wroteOutbox) this.options.onOutboxCommit?.();
    return ended;
  }

  /**
   * Raw so that updated_at (the profile's last change) stays as it is; an unknown account is
   * UserNotFoundError, with nothing written.
   */
  async changePassword(userId: string, passwordHash: string, keepSessionId: string | undefined, at: Date, event: DomainEvent): Promise<void> {
    const { users } = this.tables;
    await this.prisma.$transaction(async (tx) => {
      const changed = await tx.$executeRaw`UPDATE ${users} SET password_hash = ${passwordHash} WHERE id = ${userId}::uuid`;
      if (changed === 0) throw new UserNotFoundError();
      await this.endWithin(tx, userId, keepSessionId ? { keepSessionId } : {}, 'password_changed', at);
      await tx.outbox.create({ data: outboxRow(event) });
    });
    this.options.onOutboxCommit?.();
  }

  /** One UPDATE … RETURNING: the sessions that were live and now are not. */
  private async endWithin(
    tx: Prisma.TransactionClient,
    userId: string,
    which: { sessionIds?: string[]; keepSessionId?: string },
    reason: SessionEndReason,
    at: Date,
  ): Promise<string[]> {
    const { sessions } = this.tables;
    const filter = which.sessionIds
      ? Prisma.sql`AND id = ANY(${which.sessionIds}::uuid[])`
      : which.keepSessionId
        ? Prisma.sql`AND id <> ${which.keepSessionId}::uuid`
        : Prisma.empty;
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      UPDATE ${sessions} SET revoked_at = ${at}, revoked_reason = ${reason}
      WHERE user_id = ${userId}::uuid AND revoked_at IS NULL ${filter}
      RETURNING id`;
    return rows.map((r) => r.id);
  }
}
