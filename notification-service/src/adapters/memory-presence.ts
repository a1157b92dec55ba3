import type { Presence } from '../domain/ports.js';
import { DEFAULT_PRESENCE_TTL_MS } from '../live/options.js';

export interface MemoryPresenceOptions {
  /** How long a registration lasts unless refreshed. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Presence for the embedded mode (one process, one instance) with the same expiry semantics as
 * the Redis adapter, held to the same contract suite. Expired entries are pruned as they are met,
 * and the whole map at most once per expiry period, so it never grows with users long gone.
 */
export class MemoryPresence implements Presence {
  private readonly users = new Map<string, Map<string, number>>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private nextSweep = 0;

  constructor(options: MemoryPresenceOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_PRESENCE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  async register(instanceId: string, userIds: readonly string[]): Promise<void> {
    const now = this.now();
    for (const userId of userIds) {
      let instances = this.users.get(userId);
      if (!instances) this.users.set(userId, (instances = new Map()));
      instances.set(instanceId, now + this.ttlMs);
    }
    if (now >= this.nextSweep) this.sweep(now);
  }

  async unregister(instanceId: string, userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) {
      const instances = this.users.get(userId);
      if (!instances) continue;
      instances.delete(instanceId);
      if (instances.size === 0) this.users.delete(userId);
    }
  }

  async instancesFor(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const now = this.now();
    const out = new Map<string, string[]>();
    for (const userId of new Set(userIds)) {
      const live = this.live(userId, now);
      if (live.length > 0) out.set(userId, live);
    }
    return out;
  }

  private live(userId: string, now: number): string[] {
    const instances = this.users.get(userId);
    if (!instances) return [];
    for (const [instanceId, expiresAt] of instances) if (expiresAt <= now) instances.delete(instanceId);
    if (instances.size === 0) this.users.delete(userId);
    return [...instances.keys()];
  }

  private sweep(now: number): void {
    this.nextSweep = now + this.ttlMs;
    for (const userId of this.users.keys()) this.live(userId, now);
  }
}
