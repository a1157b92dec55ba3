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
 * `countOf` is this instance's socket count of a user (0: none left here).
 */
export class PresenceKeeper {
  /** First-socket registrations in flight: a second socket of the user waits for the same one. */
  private readonly registering = new Map<string, Promise<void>>();
  /** Users whose sockets here opened or closed since the counts were last written (noteCount). */
  private readonly changed = new Set<string>();
  private countsScheduled = false;
  private refreshing = false;
  private stopped = false;

  constructor(
    private readonly presence: Presence,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly countOf: (userId: string) => number = () => 1,
  ) {}

  /**
   * The presence work of a batch of opening sockets (hello-batcher.ts), resolving once their users are
   * registered here (or the attempt failed), so a resume query may run: `first` (users whose first
   * socket here is in the batch) in one pipeline; for the rest a registration still in flight from an
   * earlier batch is awaited. Their socket counts go out first, with any other counts noted.
   */
  async registerOpening(first: readonly string[], users: readonly string[]): Promise<void> {
    if (this.stopped) return;
    const waits = new Set<Promise<void>>();
    for (const userId of users) {
      const pending = this.registering.get(userId);
      if (pending) waits.add(pending);
      this.changed.add(userId);
    }
    this.writeCounts();
    if (first.length > 0) waits.add(this.register(first));
    await Promise.all(waits);
  }

  private register(userIds: readonly string[]): Promise<void> {
    const registration: Promise<void> = within(this.presence.register(this.instanceId, userIds), 'presence register')
      .then(() => undefined, (err: unknown) => this.logger.warn({ err, users: userIds.length }, 'presence register failed; the next refresh retries'))
      .finally(() => {
        for (const userId of userIds) if (this.registering.get(userId) === registration) this.registering.delete(userId);
      });
    for (const userId of userIds) this.registering.set(userId, registration);
    return registration;
  }

  /**
   * A socket of the user opened or closed here. The counts (for the global per-user cap) of every user
   * noted in this turn of the event loop are written together on the next, and users left with no
   * socket are released in one more pipeline: a storm of closes costs a few round trips, not two
   * each. Both read `countOf` when they run, so whatever happened last to a user is what Redis keeps.
   */
  noteCount(userId: string): void {
    this.changed.add(userId);
    if (this.countsScheduled) return;
    this.countsScheduled = true;
    setImmediate(() => {
      this.countsScheduled = false;
      this.writeCounts();
    });
  }

  private writeCounts(): void {
    // Once stopped, releaseAll() takes the users still noted.
    if (this.stopped || this.changed.size === 0) return;
    const users = [...this.changed];
    this.changed.clear();
    for (let i = 0; i < users.length; i += BATCH) {
      const counts = new Map(users.slice(i, i + BATCH).map((userId) => [userId, this.countOf(userId)]));
      const gone = [...counts.keys()].filter((userId) => counts.get(userId) === 0);
      within(this.presence.setSessionCounts(this.instanceId, counts), 'session count').catch((err) =>
        this.logger.warn({ err, users: counts.size }, 'session counts not recorded; the next refresh records them'),
      );
      if (gone.length > 0) this.release(gone);
    }
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

  private release(userIds: readonly string[]): void {
    this.presence
      .unregister(this.instanceId, userIds)
      .catch((err) => this.logger.warn({ err, users: userIds.length }, 'presence unregister failed; the entries will expire'));
  }

  /** On close, after stop(): every user given, and those whose last socket closed but were not yet released. */
  async releaseAll(userIds: readonly string[]): Promise<void> {
    const all = [...new Set([...userIds, ...this.changed])];
    this.changed.clear();
    await this.batches(all, async (batch) => {
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
  async refresh(userIds: readonly string[], spreadMs = 0, countOf: (userId: string) => number = this.countOf): Promise<string[]> {
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
