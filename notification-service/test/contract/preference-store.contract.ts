import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, normalizePreferences, type Preferences } from '../../src/domain/preferences.js';
import type { PreferenceStore, ProjectionStore } from '../../src/domain/ports.js';
import { newUser, type MakeStores } from './stores.js';

const valid = (input: Record<string, unknown>): Preferences => {
  const result = normalizePreferences(input);
  if (!result.ok) throw new Error(`${result.field}: ${result.message}`);
  return result.value;
};

const registered = (projections: ProjectionStore, id: string, timezone: string) =>
  projections.applyChanges([
    { kind: 'user.upserted', user: { id, username: `u${id.slice(-8)}`, displayName: 'U', email: 'u@example.com', phone: null, locale: 'en', timezone }, asOf: new Date().toISOString() },
  ]);

/** What every PreferenceStore must do; run against the memory store and PostgreSQL through Prisma. */
export function preferenceStoreContract(name: string, make: MakeStores): void {
  describe(`PreferenceStore contract: ${name}`, () => {
    let preferences: PreferenceStore;
    let projections: ProjectionStore;
    beforeAll(async () => {
      ({ preferences, projections } = await make());
    });

    it('gives the defaults to someone who never saved any, in their registered zone when known', async () => {
      const [stranger, lisbon] = [newUser(), newUser()];
      await registered(projections, lisbon, 'Europe/Lisbon');
      const found = await preferences.getMany([stranger, lisbon]);
      expect(found.get(stranger)).toEqual({ ...DEFAULT_PREFERENCES, channels: { ...DEFAULT_PREFERENCES.channels }, types: {} });
      expect(found.get(lisbon)).toMatchObject({ timezone: 'Europe/Lisbon', frequency: 'instant' });
    });

    it('stores, replaces and reads back normalized preferences, keyed by the ids asked', async () => {
      const [a, b] = [newUser(), newUser()];
      const first = valid({ channels: { sms: true }, types: { like: { email: false, frequency: 'weekly' } }, quietHours: { start: '22:00', end: '07:00' }, timezone: 'Asia/Tokyo' });
      await preferences.put(a, first);
      expect(await preferences.get(a)).toEqual(first);
      const second = valid({ frequency: 'daily' });
      await preferences.put(a, second);
      const both = await preferences.getMany([b, a, a]);
      expect(both.get(a)).toEqual(second);
      expect(both.get(b)!.frequency).toBe('instant');
      expect([...both.keys()].sort()).toEqual([a, b].sort());
    });

    it('answers a chunk at once: every id present', async () => {
      const ids = Array.from({ length: 50 }, newUser);
      await preferences.put(ids[7]!, valid({ channels: { email: false } }));
      const found = await preferences.getMany(ids);
      expect(found.size).toBe(50);
      expect(found.get(ids[7]!)!.channels.email).toBe(false);
      expect(found.get(ids[8]!)!.channels.email).toBe(true);
    });
  });
}
