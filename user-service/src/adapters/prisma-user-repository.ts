import type { DomainEvent } from '@herald/contracts';
import { outboxRow } from '@herald/platform';
import { Prisma, type PrismaClient, type User as UserRow } from '../generated/prisma/client.js';
import type { BouncedAddressKind, NewUser, ProfileWrite, UserRepository } from '../domain/ports.js';
import { emailKey, usernameKey } from '../domain/rules.js';
import type { User } from '../domain/user.js';
import { UserNotFoundError } from '../domain/errors.js';
import { mapUserWriteError } from './prisma-errors.js';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.passwordHash,
    displayName: row.displayName,
    phone: row.phone,
    locale: row.locale,
    timezone: row.timezone,
    followersCount: row.followersCount,
    followingCount: row.followingCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    emailBouncedAt: row.emailBouncedAt,
    phoneBouncedAt: row.phoneBouncedAt,
    // A CHECK constraint allows only these two.
    directMessages: row.directMessages === 'following' ? 'following' : 'everyone',
  };
}

export interface PrismaRepositoryOptions {
  /** Called after a transaction that wrote outbox rows commits (the relay's wake()). */
  onOutboxCommit?: () => void;
  /** The Postgres schema of the tables, for the few raw statements (Prisma qualifies its own); default 'users'. */
  schema?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export class PrismaUserRepository implements UserRepository {
  private readonly usersTable: Prisma.Sql;
  private readonly followsTable: Prisma.Sql;
  private readonly loginFailuresTable: Prisma.Sql;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PrismaRepositoryOptions = {},
  ) {
    const schema = options.schema ?? 'users';
    if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    this.usersTable = Prisma.raw(`"${schema}"."users"`);
    this.followsTable = Prisma.raw(`"${schema}"."follows"`);
    this.loginFailuresTable = Prisma.raw(`"${schema}"."login_failures"`);
  }

  /** The creation is the account's first profile change: updated_at starts as created_at (not the time of the insert). */
  async create(input: NewUser, event: DomainEvent): Promise<User> {
    try {
      const [row] = await this.prisma.$transaction([
        this.prisma.user.create({ data: { ...input, updatedAt: input.createdAt, usernameKey: usernameKey(input.username), emailKey: emailKey(input.email) } }),
        this.prisma.outbox.create({ data: outboxRow(event) }),
      ]);
      this.options.onOutboxCommit?.();
      return toUser(row);
    } catch (err) {
      throw mapUserWriteError(err);
    }
  }

  async findById(id: string) {
    const row = await this.prisma.user.findUnique({ where: { id } });
    return row ? toUser(row) : null;
  }

  async findByUsername(username: string) {
    const row = await this.prisma.user.findUnique({ where: { usernameKey: usernameKey(username) } });
    return row ? toUser(row) : null;
  }

  async findByEmail(email: string) {
    const row = await this.prisma.user.findUnique({ where: { emailKey: emailKey(email) } });
    return row ? toUser(row) : null;
  }

  async updateProfile(id: string, decide: (current: User) => ProfileWrite | null): Promise<User> {
    let wroteOutbox = false;
    try {
      const user = await this.prisma.$transaction(async (tx) => {
        // The row lock orders concurrent updates of one user: each decides on the state the previous one committed.
        const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM ${this.usersTable} WHERE id = ${id}::uuid FOR UPDATE`;
        if (locked.length === 0) throw new UserNotFoundError();
        const current = toUser(await tx.user.findUniqueOrThrow({ where: { id } }));
        const write = decide(current);
        if (!write) return current;
        const { set } = write;
        const row = await tx.user.update({
          where: { id },
          data: {
            ...set,
            ...(set.email !== undefined ? { emailKey: emailKey(set.email) } : {}),
            ...(write.clearEmailBounce ? { emailBouncedAt: null } : {}),
            ...(write.clearPhoneBounce ? { phoneBouncedAt: null } : {}),
            updatedAt: write.updatedAt,
          },
        });
        await tx.outbox.create({ data: outboxRow(write.event) });
        wroteOutbox = true;
        return toUser(row);
      });
      if (wroteOutbox) this.options.onOutboxCommit?.();
      return user;
    } catch (err) {
      throw mapUserWriteError(err);
    }
  }

  /**
   * One conditional UPDATE, so it is atomic against a concurrent change of the address. Raw so that
   * updated_at (the profile's last change) stays as it is.
   */
  async markAddressBounced(id: string, kind: BouncedAddressKind, address: string, at: Date): Promise<boolean> {
    const count =
      kind === 'email'
        ? await this.prisma.$executeRaw`
            UPDATE ${this.usersTable} SET email_bounced_at = ${at}
            WHERE id = ${id}::uuid AND email_key = ${emailKey(address)} AND email_bounced_at IS NULL`
        : await this.prisma.$executeRaw`
            UPDATE ${this.usersTable} SET phone_bounced_at = ${at}
            WHERE id = ${id}::uuid AND phone = ${address} AND phone_bounced_at IS NULL`;
    return count > 0;
  }

  /**
   * Locks the account and everyone on the other end of its follow edges first, in id order (the
   * order follow and unfollow lock counters in, so they cannot deadlock with this); a follow being
   * written at the same moment either commits before (and is counted down here) or fails on the
   * vanished row (UserNotFoundError). Then the counters, the row (sessions, refresh tokens and
   * edges cascade), the login-failure rows and the event, all in one transaction.
   */
  async deleteAccount(id: string, event: DomainEvent, forget: { loginKeys: readonly string[] }): Promise<boolean> {
    const users = this.usersTable;
    const follows = this.followsTable;
    const deleted = await this.prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM ${users}
        WHERE id = ${id}::uuid
           OR id IN (SELECT followee_id FROM ${follows} WHERE follower_id = ${id}::uuid)
           OR id IN (SELECT follower_id FROM ${follows} WHERE followee_id = ${id}::uuid)
        ORDER BY id FOR UPDATE`;
      if (!locked.some((r) => r.id === id.toLowerCase())) return false;
      await tx.$executeRaw`
        UPDATE ${users} u SET followers_count = u.followers_count - 1
        FROM ${follows} f WHERE f.follower_id = ${id}::uuid AND u.id = f.followee_id`;
      await tx.$executeRaw`
        UPDATE ${users} u SET following_count = u.following_count - 1
        FROM ${follows} f WHERE f.followee_id = ${id}::uuid AND u.id = f.follower_id`;
      await tx.$executeRaw`DELETE FROM ${users} WHERE id = ${id}::uuid`;
      if (forget.loginKeys.length > 0) {
        await tx.$executeRaw`DELETE FROM ${this.loginFailuresTable} WHERE login_key = ANY(${[...forget.loginKeys]}::text[])`;
      }
      await tx.outbox.create({ data: outboxRow(event) });
      return true;
    });
    if (deleted) this.options.onOutboxCommit?.();
    return deleted;
  }

  /** Raw so that updated_at (the profile's last change) stays as it is: a re-hash is no profile change. */
  async updatePasswordHash(id: string, passwordHash: string) {
    await this.prisma.$executeRaw`UPDATE ${this.usersTable} SET password_hash = ${passwordHash} WHERE id = ${id}::uuid`;
  }

  /** Served by users_username_key_pattern_idx (text_pattern_ops), whatever the database collation. */
  async searchByUsernamePrefix(prefix: string, limit: number) {
    const rows = await this.prisma.user.findMany({
      where: { usernameKey: { startsWith: escapeLike(prefix) } },
      orderBy: { usernameKey: 'asc' },
      take: limit,
    });
    return rows.map(toUser);
  }
}

/** `_` is legal in usernames but a LIKE wildcard: 'a_b' must not match 'axb'. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
