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

  async register(instanceId: string, userIds: readonly string[]): Promise<string[]> {
    const now = this.now();
    const fresh: string[] = [];
    for (const userId of new Set(userIds)) {
      let instances = this.users.get(userId);
      if (!instances) this.users.set(userId, (instances = new Map()));
      if ((instances.get(instanceId) ?? 0) <= now) fresh.push(userId);
      instances.set(instanceId, now + this.ttlMs);
    }
    if (now >= this.nextSweep) this.sweep(now);
    return fresh;
  }

  private readonly counts = new Map<string, Map<string, { count: number; expiresAt: number }>>();

  async setSessionCounts(instanceId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    const expiresAt = this.now() + this.ttlMs;
    for (const [userId, count] of counts) {
      let byInstance = this.counts.get(userId);
      if (count <= 0) {
        byInstance?.delete(instanceId);
        if (byInstance?.size === 0) this.counts.delete(userId);
        continue;
      }
      if (!byInstance) this.counts.set(userId, (byInstance = new Map()));
      byInstance.set(instanceId, { count, expiresAt });
    }
  }

  async sessionsElsewhere(userId: string, instanceId: string): Promise<number> {
    const now = this.now();
    let total = 0;
    for (const [instance, entry] of this.counts.get(userId) ?? []) if (instance !== instanceId && entry.expiresAt > now) total += entry.count;
    return total;
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
