import { describe, expect, it } from 'vitest';
import { createLogger } from '@herald/platform';
import { MemoryPresence } from '../../src/adapters/memory-presence.js';
import { PresenceKeeper } from '../../src/live/presence-keeper.js';
import { newUserId } from './support/builders.js';

/** MemoryPresence that records the size and time of every register call. */
class RecordingPresence extends MemoryPresence {
  readonly calls: { at: number; size: number }[] = [];
  override async register(instanceId: string, userIds: readonly string[]): Promise<string[]> {
    this.calls.push({ at: Date.now(), size: userIds.length });
    return super.register(instanceId, userIds);
  }
}

const logger = createLogger('presence-keeper-test', 'silent');

describe('PresenceKeeper.refresh', () => {
  it('returns the users whose entries had vanished since they were registered, not those registered for the first time', async () => {
    let now = Date.now();
    const presence = new MemoryPresence({ ttlMs: 1_000, now: () => now });
    const keeper = new PresenceKeeper(presence, 'a', logger);
    const [kept, expired] = [newUserId(), newUserId()];
    await keeper.registerOpening([kept, expired], [kept, expired]);
    expect(await keeper.refresh([kept, expired])).toEqual([]);
    now += 500;
    expect(await keeper.refresh([kept])).toEqual([]);
    now += 600;
    // `expired` was not refreshed for 1,100 ms (its TTL is 1,000): it was gone, frames to it went nowhere.
    expect(await keeper.refresh([kept, expired])).toEqual([expired]);
  });

  it('refreshes in pipelines of 250 users spread over the given time, so it never stalls deliveries', async () => {
    const presence = new RecordingPresence();
    const keeper = new PresenceKeeper(presence, 'a', logger);
    const users = Array.from({ length: 600 }, newUserId);
    const started = Date.now();
    await keeper.refresh(users, 300);
    expect(presence.calls.map((c) => c.size)).toEqual([250, 250, 100]);
    // Two pauses of 300 ms / 3 batches between the three pipelines.
    expect(presence.calls[2]!.at - presence.calls[0]!.at).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await presence.instancesFor(users)).size).toBe(600);
  });

  it('skips users who left meanwhile, and does nothing once stopped', async () => {
    const presence = new RecordingPresence();
    const keeper = new PresenceKeeper(presence, 'a', logger);
    const [stays, left] = [newUserId(), newUserId()];
    await keeper.refresh([stays, left], 0, (userId) => (userId === stays ? 1 : 0));
    expect([...(await presence.instancesFor([stays, left])).keys()]).toEqual([stays]);

    const many = Array.from({ length: 500 }, newUserId);
    const running = keeper.refresh(many, 200);
    keeper.stop();
    await running;
    await keeper.refresh(many, 0);
    // The first pipeline may have been under way when stop() came; nothing after it.
    expect(presence.calls.slice(1).reduce((n, c) => n + c.size, 0)).toBeLessThanOrEqual(250);
  });
});
