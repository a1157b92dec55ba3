import { MAX_PUSH_SUBSCRIPTIONS_PER_USER, type PushSubscription, type PushSubscriptionKeys, type PushSubscriptionStore } from '../domain/push.js';

/** Web Push subscriptions in memory, with the Prisma store's rules (held to the same contract). */
export class MemoryPushSubscriptionStore implements PushSubscriptionStore {
  /** By endpoint; `order` is when it became its owner's (oldest first, as created_at in SQL). */
  private readonly rows = new Map<string, { sub: PushSubscription; order: number }>();
  private seq = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async save(userId: string, keys: PushSubscriptionKeys, newId: string): Promise<{ id: string; created: boolean }> {
    const user = userId.toLowerCase();
    const current = this.rows.get(keys.endpoint);
    const same = current !== undefined && current.sub.userId === user;
    const sub: PushSubscription = same
      ? { ...current.sub, ...keys }
      : { id: newId, userId: user, ...keys, createdAt: this.now().toISOString() };
    this.rows.set(keys.endpoint, { sub, order: same ? current.order : this.seq++ });
    const mine = this.ordered(user);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_PUSH_SUBSCRIPTIONS_PER_USER))) this.rows.delete(old.endpoint);
    return { id: sub.id, created: !same };
  }

  async forUser(userId: string): Promise<PushSubscription[]> {
    return this.ordered(userId.toLowerCase()).map((s) => ({ ...s }));
  }

  async remove(userId: string, id: string): Promise<boolean> {
    const found = [...this.rows.values()].find(({ sub }) => sub.id === id && sub.userId === userId.toLowerCase());
    return found ? this.rows.delete(found.sub.endpoint) : false;
  }

  async removeGone(s: Pick<PushSubscription, 'id' | 'p256dh' | 'auth'>): Promise<boolean> {
    const found = [...this.rows.values()].find(({ sub }) => sub.id === s.id && sub.p256dh === s.p256dh && sub.auth === s.auth);
    return found ? this.rows.delete(found.sub.endpoint) : false;
  }

  /** user.deleted: removes every subscription of the person; how many there were. */
  forget(userId: string): number {
    const mine = this.ordered(userId.toLowerCase());
    for (const s of mine) this.rows.delete(s.endpoint);
    return mine.length;
  }

  private ordered(userId: string): PushSubscription[] {
    return [...this.rows.values()]
      .filter(({ sub }) => sub.userId === userId)
      .sort((a, b) => a.order - b.order)
      .map(({ sub }) => sub);
  }
}
