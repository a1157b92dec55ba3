import { minId } from './catch-up.js';
import { BROADCAST } from './transport.js';

/** A resync request this instance still has to get through to `target` (an instance, or BROADCAST). */
export interface OwedResync {
  readonly target: string;
  /** Whose sockets; undefined means every socket of the target. */
  users: Set<string> | undefined;
  /** Every lost notification is newer than this; undefined when only unread counts were lost. */
  after: string | undefined;
  /** Sends that reached Redis but no subscriber (the instance is gone, or is reconnecting). */
  unheard: number;
}

export interface OwedLimits {
  /** Instances remembered one by one; past it, one broadcast to everyone replaces them. */
  maxTargets: number;
  /** User ids remembered over all entries; past it, the entry that would grow means "every socket". */
  maxUsers: number;
  /** Unheard sends before giving up: the instance is gone (a live one that reconnects catches up by itself). */
  maxUnheard: number;
}

export const OWED_LIMITS: Readonly<OwedLimits> = Object.freeze({ maxTargets: 1_000, maxUsers: 10_000, maxUnheard: 30 });

/**
 * Resync requests owed to other instances, merged per target and bounded: a long outage during heavy
 * traffic degrades to coarser requests (every socket, or every instance), never to unbounded memory
 * and never to a forgotten loss.
 */
export class OwedResyncs {
  private readonly entries = new Map<string, OwedResync>();
  private userCount = 0;

  constructor(private readonly limits: OwedLimits = OWED_LIMITS) {}

  get size(): number {
    return this.entries.size;
  }

  get users(): number {
    return this.userCount;
  }

  has(target: string): boolean {
    return this.entries.has(target);
  }

  /** `users` undefined: every socket of the target. */
  owe(target: string, users: Iterable<string> | undefined, after: string | undefined): void {
    if (target !== BROADCAST && !this.entries.has(target) && this.countTargets() >= this.limits.maxTargets) {
      target = BROADCAST;
      users = undefined;
    }
    let entry = this.entries.get(target);
    if (!entry) this.entries.set(target, (entry = { target, users: new Set(), after: undefined, unheard: 0 }));
    entry.after = minId(entry.after, after);
    if (!entry.users) return;
    if (users === undefined) return this.widen(entry);
    for (const userId of users) {
      if (entry.users.has(userId)) continue;
      if (this.userCount >= this.limits.maxUsers) return this.widen(entry);
      entry.users.add(userId);
      this.userCount++;
    }
  }

  /** Removes and returns what is owed to `target`, or to everyone when no target is given. */
  take(target?: string): OwedResync[] {
    const taken = target === undefined ? [...this.entries.values()] : [this.entries.get(target)].filter((e) => e !== undefined);
    for (const entry of taken) {
      this.entries.delete(entry.target);
      this.userCount -= entry.users?.size ?? 0;
    }
    return taken;
  }

  /**
   * Puts back a request that did not get through (merged with anything owed meanwhile). Returns false
   * when an unheard one was given up on.
   */
  restore(entry: OwedResync, unheard: boolean): boolean {
    const attempts = entry.unheard + (unheard ? 1 : 0);
    if (attempts >= this.limits.maxUnheard) return false;
    this.owe(entry.target, entry.users, entry.after);
    const merged = this.entries.get(entry.target);
    if (merged) merged.unheard = Math.max(merged.unheard, attempts);
    return true;
  }

  private widen(entry: OwedResync): void {
    this.userCount -= entry.users?.size ?? 0;
    entry.users = undefined;
  }

  private countTargets(): number {
    return this.entries.size - (this.entries.has(BROADCAST) ? 1 : 0);
  }
}
