import type { UserErasure } from '../domain/ports.js';
import type { MemoryInboxStore } from './memory-inbox-store.js';
import type { MemoryPreferenceStore } from './memory-preference-store.js';
import type { MemoryProjectionStore } from './memory-projection-store.js';

/** user.deleted over the memory stores, in the order of the Prisma adapter: the tombstone first. */
export class MemoryUserErasure implements UserErasure {
  constructor(
    private readonly stores: { projections: MemoryProjectionStore; inbox: MemoryInboxStore; preferences: MemoryPreferenceStore },
  ) {}

  async eraseUser(userId: string, deletedAt: Date): Promise<Record<string, number>> {
    const projected = this.stores.projections.eraseUser(userId, deletedAt);
    const inbox = await this.stores.inbox.eraseRecipient(userId);
    const preferences = this.stores.preferences.forget(userId) ? 1 : 0;
    return { ...inbox, ...projected, preferences };
  }
}
