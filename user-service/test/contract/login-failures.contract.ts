import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LoginFailures } from '../../src/domain/ports.js';
import { at, type MakeRepositories } from './repositories.js';

/** A login name of this case only (the Prisma database is shared by the file). */
const aKey = () => `login_${randomBytes(6).toString('hex')}@example.com`;

/** What every LoginFailures must do; run against the memory fake and PostgreSQL through Prisma. */
export function loginFailuresContract(name: string, make: MakeRepositories): void {
  describe(`LoginFailures contract: ${name}`, () => {
    let failures: LoginFailures;
    beforeAll(async () => {
      ({ loginFailures: failures } = await make());
    });

    it('knows no lock for a name that never failed', async () => {
      expect(await failures.lockedUntil(aKey())).toBeNull();
    });

    it('counts consecutive failures, asks for the lock with the new count, and locks from the failure\'s time', async () => {
      const key = aKey();
      const asked: number[] = [];
      const lockFor = (n: number) => (asked.push(n), n >= 3 ? n * 1_000 : 0);
      expect(await failures.recordFailure(key, at(0), lockFor)).toBe(1);
      expect(await failures.recordFailure(key, at(10), lockFor)).toBe(2);
      expect(await failures.lockedUntil(key)).toBeNull();
      expect(await failures.recordFailure(key, at(20), lockFor)).toBe(3);
      expect(await failures.lockedUntil(key)).toEqual(at(3_020));
      expect(await failures.recordFailure(key, at(30), lockFor)).toBe(4);
      expect(await failures.lockedUntil(key)).toEqual(at(4_030));
      expect(asked).toEqual([1, 2, 3, 4]);
    });

    it('keeps an earlier lock when a failure asks for none, and reports a lock that is over (the caller compares)', async () => {
      const key = aKey();
      await failures.recordFailure(key, at(0), () => 5_000);
      expect(await failures.recordFailure(key, at(10), () => 0)).toBe(2);
      expect(await failures.lockedUntil(key)).toEqual(at(5_000));
    });

    it('forgets a name on clear: no lock, and the count starts again; clearing an unknown name is fine', async () => {
      const key = aKey();
      await failures.recordFailure(key, at(0), () => 5_000);
      await failures.recordFailure(key, at(1), () => 5_000);
      await failures.clear(key);
      expect(await failures.lockedUntil(key)).toBeNull();
      expect(await failures.recordFailure(key, at(2), () => 0)).toBe(1);
      await expect(failures.clear(aKey())).resolves.toBeUndefined();
    });

    it('keeps names apart, letter case included (callers lowercase them)', async () => {
      const key = aKey();
      await failures.recordFailure(key, at(0), () => 5_000);
      expect(await failures.lockedUntil(key.toUpperCase())).toBeNull();
      expect(await failures.recordFailure(key.toUpperCase(), at(0), () => 0)).toBe(1);
      expect(await failures.recordFailure(`${key}x`, at(0), () => 0)).toBe(1);
      await failures.clear(key.toUpperCase());
      expect(await failures.lockedUntil(key)).toEqual(at(5_000));
    });

    it('counts each of many concurrent failures of one name', async () => {
      const key = aKey();
      const counts = await Promise.all(Array.from({ length: 10 }, () => failures.recordFailure(key, at(0), () => 0)));
      expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await failures.recordFailure(key, at(1), () => 0)).toBe(11);
    });

    it('keeps the lock it was given a time for, not a reference to the time', async () => {
      const key = aKey();
      const when = at(0);
      await failures.recordFailure(key, when, () => 1_000);
      when.setTime(0);
      const locked = await failures.lockedUntil(key);
      expect(locked).toEqual(at(1_000));
      locked!.setTime(0);
      expect(await failures.lockedUntil(key)).toEqual(at(1_000));
    });
  });
}
