import type { PreferenceStore, ProjectionStore } from '../domain/ports.js';

/** Who a message is for, as templates need them: the name to greet, the language and the time zone. */
export interface Recipient {
  id: string;
  name: string;
  username: string;
  locale: string | null;
  /** The zone of their notification settings, else the one they registered with. */
  timeZone: string | null;
}

export interface RecipientDirectory {
  /** Each person's language (null when unknown): one query for a whole chunk of recipients. */
  locales(userIds: readonly string[]): Promise<Map<string, string | null>>;
  recipient(userId: string): Promise<Recipient | undefined>;
}

/** On the stores' ports, one lookup per person: for tests and compositions without PostgreSQL. */
export function directoryOverStores(projections: ProjectionStore, preferences: PreferenceStore): RecipientDirectory {
  return {
    async locales(userIds) {
      const out = new Map<string, string | null>();
      for (const id of userIds) out.set(id, (await projections.userProfile(id))?.locale ?? null);
      return out;
    },
    async recipient(userId) {
      const profile = await projections.userProfile(userId);
      if (!profile) return undefined;
      const prefs = await preferences.get(userId).catch(() => undefined);
      const username = profile.username ?? '';
      return {
        id: userId,
        name: profile.displayName?.trim() || username,
        username,
        locale: profile.locale ?? null,
        timeZone: prefs?.timezone ?? profile.timezone ?? null,
      };
    },
  };
}
