import type { DomainEvent } from '@herald/contracts';
import { outboxRow } from '@herald/platform';
import type { PrismaClient, User as UserRow } from '../generated/prisma/client.js';
import type { NewUser, ProfilePatch, UserRepository } from '../domain/ports.js';
import { emailKey, usernameKey } from '../domain/rules.js';
import type { User } from '../domain/user.js';
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
  };
}

export interface PrismaRepositoryOptions {
  /** Called after a transaction that wrote outbox rows commits (the relay's wake()). */
  onOutboxCommit?: () => void;
}

export class PrismaUserRepository implements UserRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PrismaRepositoryOptions = {},
  ) {}

  async create(input: NewUser, event: DomainEvent): Promise<User> {
    try {
      const [row] = await this.prisma.$transaction([
        this.prisma.user.create({ data: { ...input, usernameKey: usernameKey(input.username), emailKey: emailKey(input.email) } }),
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

  async update(id: string, patch: ProfilePatch): Promise<User> {
    const data = patch.email === undefined ? patch : { ...patch, emailKey: emailKey(patch.email) };
    try {
      return toUser(await this.prisma.user.update({ where: { id }, data }));
    } catch (err) {
      throw mapUserWriteError(err);
    }
  }

  async updatePasswordHash(id: string, passwordHash: string) {
    await this.prisma.user.updateMany({ where: { id }, data: { passwordHash } });
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
