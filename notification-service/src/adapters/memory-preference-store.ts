import { defaultPreferencesFor, normalizePreferences, type Preferences } from '../domain/preferences.js';
import type { PreferenceStore } from '../domain/ports.js';

/**
 * Preferences in memory. `zoneOf` stands in for the users projection, which the real store joins
 * to give someone who never saved preferences the defaults in their registered zone.
 */
export class MemoryPreferenceStore implements PreferenceStore {
  private readonly stored = new Map<string, Preferences>();

  constructor(private readonly zoneOf: (userId: string) => string | undefined = () => undefined) {}

  async getMany(userIds: readonly string[]): Promise<Map<string, Preferences>> {
    return new Map(userIds.map((id) => [id, this.read(id.toLowerCase())]));
  }

  async get(userId: string): Promise<Preferences> {
    return this.read(userId.toLowerCase());
  }

  async put(userId: string, preferences: Preferences): Promise<void> {
    this.stored.set(userId.toLowerCase(), structuredClone(preferences));
  }

  /** user.deleted (MemoryUserErasure): true when something was stored. */
  forget(userId: string): boolean {
    return this.stored.delete(userId.toLowerCase());
  }

  private read(userId: string): Preferences {
    const defaults = defaultPreferencesFor(this.zoneOf(userId) ?? null);
    const stored = this.stored.get(userId);
    if (!stored) return defaults;
    const result = normalizePreferences(stored, defaults);
    return result.ok ? result.value : defaults;
  }
}
