import type pg from 'pg';
import type { Recipient, RecipientDirectory } from '../templates/recipients.js';
import { pgArray } from './pg-safe.js';
import { PreparedRead, qualified } from './pg-prepared.js';


/**
 * Language, zone and name of recipients, from the users projection and their preferences
 * (templates). On the pool directly rather than through Prisma: the channel workers ask once per
 * message, and a plain query costs about a quarter of the CPU of a Prisma raw query.
 */
export class PgRecipientDirectory implements RecipientDirectory {
  private readonly users: string;
  private readonly preferences: string;
  /** Every fan-out chunk asks (in-app words): a prepared statement (pg-prepared.ts). */
  private readonly languages: PreparedRead<{ id: string; locale: string | null }>;

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    schema: string,
  ) {
    this.users = qualified(schema, 'users');
    this.preferences = qualified(schema, 'preferences');
    this.languages = new PreparedRead(`SELECT id, locale FROM ${this.users} WHERE id = ANY($1::uuid[])`);
  }

  async locales(userIds: readonly string[]): Promise<Map<string, string | null>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.languages.rows(this.pool, [pgArray([...new Set(userIds)])]);
    return new Map(rows.map((r) => [r.id, r.locale]));
  }

  async recipient(userId: string): Promise<Recipient | undefined> {
    const { rows } = await this.pool.query<{ id: string; username: string | null; display_name: string | null; locale: string | null; timezone: string | null }>(
      `SELECT u.id, u.username, u.display_name, u.locale, COALESCE(p.preferences->>'timezone', u.timezone) AS timezone
       FROM ${this.users} u LEFT JOIN ${this.preferences} p ON p.user_id = u.id WHERE u.id = $1::uuid`,
      [userId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const username = row.username ?? '';
    return { id: row.id, name: row.display_name?.trim() || username, username, locale: row.locale, timeZone: row.timezone };
  }
}
