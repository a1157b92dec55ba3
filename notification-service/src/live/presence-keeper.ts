import type { Logger } from '@herald/platform';
import type { Presence } from '../domain/ports.js';

/**
 * Users per presence pipeline on refresh and release (4 Redis commands per user on refresh). Small,
 * so that no batch holds the event loop, or the Redis connection's queue that deliveries' presence
 * lookups wait in, for more than a few milliseconds: refreshing 10,000 users at once in batches of
 * 1,000 delayed live frames by up to ~170 ms every period (bench/fanout.ts, docs/performance.md).
 */
const BATCH = 250;
/**
 * A Redis client queues commands while disconnected and retries them for a long time; hello and
 * deliver() wait this long for presence at most, then carry on without it (local sockets still work).
 */
export const WAIT_MS = 2_000;

/**
 * This instance's entries in the shared presence registry: registered when a user's first socket
 * opens, refreshed periodically in batches, removed when the last one closes. Failures are logged and
 * never break a socket: entries expire by themselves and the next refresh restores what was lost.
 */
export class PresenceKeeper {
  /** First-socket registrations in flight: a second socket of the user waits for the same one. */
  private readonly registering = new Map<string, Promise<void>>();
  private refreshing = false;
  private stopped = false;

  constructor(
    private readonly presence: Presence,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the user is registered here (or the attempt failed), so a resume query may run. */
  ensure(userId: string, first: boolean): Promise<void> {
    const pending = this.registering.get(userId);
    if (pending || !first) return pending ?? Promise.resolve();
    const registration = within(this.presence.register(this.instanceId, [userId]), 'presence register')
      .then(() => undefined, (err: unknown) => this.logger.warn({ err, userId }, 'presence register failed; the next refresh retries'))
      .finally(() => this.registering.delete(userId));
    this.registering.set(userId, registration);
    return registration;
  }

  /** This instance's socket count of a user, for the global per-user cap (0 forgets it). Best effort. */
  recordCount(userId: string, count: number): void {
    within(this.presence.setSessionCounts(this.instanceId, new Map([[userId, count]])), 'session count').catch((err) =>
      this.logger.warn({ err, userId }, 'session count not recorded; the next refresh records it'),
    );
  }

  /** Sockets of the user on other instances; 0 when it cannot be read (the local cap still holds). */
  async countElsewhere(userId: string): Promise<number> {
    try {
      return await within(this.presence.sessionsElsewhere(userId, this.instanceId), 'session count lookup');
    } catch (err) {
      this.logger.warn({ err, userId }, 'session counts unreadable: only this instance\'s sockets count');
      return 0;
    }
  }

  release(userId: string): void {
    this.presence
      .unregister(this.instanceId, [userId])
      .catch((err) => this.logger.warn({ err, userId }, 'presence unregister failed; the entry will expire'));
  }

  async releaseAll(userIds: readonly string[]): Promise<void> {
    await this.batches(userIds, async (batch) => {
      await this.presence.unregister(this.instanceId, batch);
      await this.presence.setSessionCounts(this.instanceId, new Map(batch.map((u) => [u, 0])));
    }).catch((err) =>
      this.logger.warn({ err }, 'presence unregister failed; entries will expire'),
    );
  }

  /**
   * Re-registers `userIds` BATCH at a time, spread evenly over `spreadMs` (the hub gives half its
   * refresh period), so refreshing 10,000 users is 40 small pipelines instead of one stall of every
   * live delivery. Each user's socket count (`countOf`) is recorded again too. A user whose last
   * socket closed meanwhile (count 0) is skipped, so a refresh never re-registers someone release()
   * just removed; none run once stop() was called.
   *
   * Returns the users whose entries had vanished (a Redis restart or FLUSHALL, or a refresh so late
   * that they expired): other instances found nobody to send their frames to since the previous
   * refresh, so those users' sockets must catch up.
   */
  async refresh(userIds: readonly string[], spreadMs = 0, countOf: (userId: string) => number = () => 1): Promise<string[]> {
    const lost: string[] = [];
    if (this.refreshing || this.stopped) return lost;
    this.refreshing = true;
    try {
      const pauseMs = userIds.length > BATCH ? spreadMs / Math.ceil(userIds.length / BATCH) : 0;
      for (let i = 0; i < userIds.length && !this.stopped; i += BATCH) {
        if (i > 0 && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        const batch = userIds.slice(i, i + BATCH).filter((userId) => countOf(userId) > 0);
        if (batch.length === 0 || this.stopped) continue;
        // A first registration still in flight (ensure) is not a loss.
        for (const userId of await this.presence.register(this.instanceId, batch)) if (!this.registering.has(userId)) lost.push(userId);
        await this.presence.setSessionCounts(this.instanceId, new Map(batch.map((u) => [u, countOf(u)])));
      }
    } catch (err) {
      this.logger.warn({ err }, 'presence refresh failed; retrying at the next period');
    } finally {
      this.refreshing = false;
    }
    return lost;
  }

  /** On close: no refresh batch runs after this, so none can follow releaseAll(). */
  stop(): void {
    this.stopped = true;
  }

  /** Other instances holding each user; this instance's own entries are left out (its sockets are local). */
  async elsewhere(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const found = await within(this.presence.instancesFor(userIds), 'presence lookup');
    const out = new Map<string, string[]>();
    for (const [userId, ids] of found) {
      const others = ids.filter((id) => id !== this.instanceId);
      if (others.length > 0) out.set(userId, others);
    }
    return out;
  }

  private async batches(userIds: readonly string[], run: (batch: readonly string[]) => Promise<void>): Promise<void> {
    for (let i = 0; i < userIds.length; i += BATCH) await run(userIds.slice(i, i + BATCH));
  }
}

/** `promise`, or a rejection once WAIT_MS passed: a Redis client would otherwise keep the caller waiting through a whole outage. */
export function within<T>(promise: Promise<T>, what: string, waitMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${waitMs} ms`)), waitMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
