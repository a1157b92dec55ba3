import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import type { Presence } from '../../src/domain/ports.js';

/** A clock the test moves by hand, so expiry is proven without waiting for it. */
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

export type MakePresence = (options: { ttlMs: number; now: () => number }) => Promise<Presence>;

const TTL = 10_000;
const user = () => uuidv7();

/** What every Presence adapter must do; run against the memory adapter and against real Redis. */
export function presenceContract(name: string, make: MakePresence): void {
  describe(`Presence contract: ${name}`, () => {
    async function setup() {
      const clock = manualClock();
      return { clock, presence: await make({ ttlMs: TTL, now: clock.now }) };
    }

    it('lists the instances holding each user, and leaves out users with none', async () => {
      const { presence } = await setup();
      const [ana, bo, cy] = [user(), user(), user()];
      await presence.register('i1', [ana, bo]);
      await presence.register('i2', [ana]);
      const found = await presence.instancesFor([ana, bo, cy]);
      expect(found.get(ana)?.sort()).toEqual(['i1', 'i2']);
      expect(found.get(bo)).toEqual(['i1']);
      expect(found.has(cy)).toBe(false);
    });

    it('counts a user\'s sockets on the other instances, and forgets a count set to 0 or left to expire', async () => {
      const { presence, clock } = await setup();
      const [ana, bo] = [user(), user()];
      await presence.setSessionCounts('i1', new Map([[ana, 3], [bo, 1]]));
      await presence.setSessionCounts('i2', new Map([[ana, 2]]));
      expect(await presence.sessionsElsewhere(ana, 'i1')).toBe(2);
      expect(await presence.sessionsElsewhere(ana, 'i3')).toBe(5);
      await presence.setSessionCounts('i2', new Map([[ana, 0]]));
      expect(await presence.sessionsElsewhere(ana, 'i1')).toBe(0);
      clock.advance(TTL + 1);
      expect(await presence.sessionsElsewhere(bo, 'i2')).toBe(0);
    });

    it('answers an empty question with an empty map, and tolerates a user asked twice', async () => {
      const { presence } = await setup();
      const ana = user();
      await presence.register('i1', [ana]);
      expect(await presence.instancesFor([])).toEqual(new Map());
      expect(await presence.instancesFor([ana, ana])).toEqual(new Map([[ana, ['i1']]]));
    });

    it('unregister removes only that instance; the last removal removes the user', async () => {
      const { presence } = await setup();
      const ana = user();
      await presence.register('i1', [ana]);
      await presence.register('i2', [ana]);
      await presence.unregister('i1', [ana]);
      expect((await presence.instancesFor([ana])).get(ana)).toEqual(['i2']);
      await presence.unregister('i2', [ana]);
      expect((await presence.instancesFor([ana])).has(ana)).toBe(false);
    });

    it('ignores an unregister of something never registered', async () => {
      const { presence } = await setup();
      const ana = user();
      await presence.register('i1', [ana]);
      await presence.unregister('i9', [ana, user()]);
      expect((await presence.instancesFor([ana])).get(ana)).toEqual(['i1']);
    });

    it('register answers which entries of this instance were missing or had expired (frames to them went nowhere)', async () => {
      const { clock, presence } = await setup();
      const [ana, bo, cy] = [user(), user(), user()];
      expect((await presence.register('i1', [ana, bo, ana])).sort()).toEqual([ana, bo].sort());
      expect(await presence.register('i2', [ana])).toEqual([ana]);
      expect(await presence.register('i1', [ana, bo])).toEqual([]);
      clock.advance(TTL + 1);
      await presence.register('i2', [cy]);
      // ana's and bo's entries of i1 expired unrefreshed: a refresh now reports them.
      expect((await presence.register('i1', [ana, bo])).sort()).toEqual([ana, bo].sort());
      expect(await presence.register('i1', [bo])).toEqual([]);
    });

    it('forgets an instance that stopped refreshing once its entry expires, while a refreshed one stays', async () => {
      const { clock, presence } = await setup();
      const ana = user();
      await presence.register('dead', [ana]);
      await presence.register('alive', [ana]);
      clock.advance(TTL - 1_000);
      await presence.register('alive', [ana]);
      expect((await presence.instancesFor([ana])).get(ana)?.sort()).toEqual(['alive', 'dead']);
      clock.advance(1_001);
      expect((await presence.instancesFor([ana])).get(ana)).toEqual(['alive']);
      clock.advance(TTL);
      expect((await presence.instancesFor([ana])).has(ana)).toBe(false);
    });

    it('registers and reads a chunk of 1,000 users in one call each', async () => {
      const { presence } = await setup();
      const users = Array.from({ length: 1_000 }, user);
      await presence.register('i1', users.slice(0, 600));
      await presence.register('i2', users.slice(400));
      const found = await presence.instancesFor(users);
      expect(found.size).toBe(1_000);
      expect(found.get(users[0]!)).toEqual(['i1']);
      expect(found.get(users[500]!)?.sort()).toEqual(['i1', 'i2']);
      expect(found.get(users[999]!)).toEqual(['i2']);
    });
  });
}
