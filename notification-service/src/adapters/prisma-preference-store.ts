import { defaultPreferencesFor, normalizePreferences, type Preferences } from '../domain/preferences.js';
import type { PreferenceStore } from '../domain/ports.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { NotificationPrisma } from './prisma-client.js';
import { pgArray } from './pg-safe.js';
import { PreparedRead, qualified, type Queryable } from './pg-prepared.js';

/**
 * Preferences as one jsonb document per user. Reading a chunk's preferences is one query that
 * also reads each person's registered time zone, for those who never saved any.
 */
export class PrismaPreferenceStore implements PreferenceStore {
  /** Every chunk and every one-to-one event reads this: a prepared statement (pg-prepared.ts). */
  private readonly many: PreparedRead<{ id: string; preferences: unknown; timezone: string | null }>;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
    private readonly pool: Queryable,
  ) {
    this.many = new PreparedRead(`
      SELECT r.id, p.preferences, u.timezone
      FROM unnest($1::uuid[]) AS r(id)
      LEFT JOIN ${qualified(schema, 'preferences')} p ON p.user_id = r.id
      LEFT JOIN ${qualified(schema, 'users')} u ON u.id = r.id`);
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, Preferences>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.many.rows(this.pool, [pgArray([...new Set(userIds)])]);
    const byId = new Map(rows.map((row) => [row.id, preferencesOf(row.preferences, row.timezone)]));
    return new Map(userIds.map((id) => [id, byId.get(id.toLowerCase()) ?? defaultPreferencesFor(null)]));
  }

  async get(userId: string): Promise<Preferences> {
    return (await this.getMany([userId])).get(userId)!;
  }

  async put(userId: string, preferences: Preferences): Promise<void> {
    const document = preferences as unknown as Prisma.InputJsonObject;
    await this.prisma.preference.upsert({
      where: { userId },
      create: { userId, preferences: document },
      update: { preferences: document, updatedAt: new Date() },
    });
  }
}

// Stored documents were normalized when written; normalizing again on the way out keeps an older
// shape (or a hand edit) from ever reaching the policy, and falls back to the defaults if invalid.
export function preferencesOf(stored: unknown, registeredZone: string | null): Preferences {
  const defaults = defaultPreferencesFor(registeredZone);
  if (stored === null || stored === undefined) return defaults;
  const result = normalizePreferences(stored, defaults);
  return result.ok ? result.value : defaults;
}
