import type { Notification } from '../../../src/domain/notification.js';
import type { LiveInbox } from '../../../src/live/hub-context.js';

/**
 * The slice of the inbox the live layer reads, in memory. `latencyMs` makes every query take that
 * long, so tests can deliver live frames while a resume's queries are in flight.
 */
export class MemoryInbox implements LiveInbox {
  private readonly items = new Map<string, Notification[]>();
  latencyMs = 0;
  /** Set to make the next queries fail, as an unreachable database would. */
  failing = false;
  readonly listAfterCalls: { userId: string; afterId: string; limit: number }[] = [];
  /** The users of each streamHeads call (one per batch of hellos). */
  readonly streamHeadsCalls: string[][] = [];
  /** While set, streamHeads waits for it: a test holds batches of hellos in flight. */
  gate: Promise<unknown> | undefined;

  add(userId: string, notification: Notification): Notification {
    const list = this.items.get(userId) ?? [];
    list.push(notification);
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.items.set(userId, list);
    return notification;
  }

  async listAfter(userId: string, afterId: string, limit: number): Promise<Notification[]> {
    this.listAfterCalls.push({ userId, afterId, limit });
    // The snapshot is taken when the query starts, as a database's would be.
    const snapshot = (this.items.get(userId) ?? []).filter((n) => n.id > afterId).slice(0, limit).map((n) => structuredClone(n));
    await this.pause();
    return snapshot;
  }

  async unreadCount(userId: string): Promise<number> {
    await this.pause();
    return (this.items.get(userId) ?? []).filter((n) => n.readAt === null).length;
  }

  /** The stream head as hello reports it: the unread count and the highest `seq` added (0 without any). */
  async streamHead(userId: string): Promise<{ unread: number; seq: number }> {
    await this.pause();
    return this.headOf(userId);
  }

  private headOf(userId: string): { unread: number; seq: number } {
    const items = this.items.get(userId) ?? [];
    return { unread: items.filter((n) => n.readAt === null).length, seq: Math.max(0, ...items.map((n) => n.seq ?? 0)) };
  }

  async streamHeads(userIds: readonly string[]): Promise<Map<string, { unread: number; seq: number }>> {
    this.streamHeadsCalls.push([...userIds]);
    await this.gate;
    await this.pause();
    return new Map(userIds.map((id) => [id, this.headOf(id)]));
  }

  async unreadCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    await this.pause();
    return new Map(userIds.map((id) => [id, (this.items.get(id) ?? []).filter((n) => n.readAt === null).length]));
  }

  async markRead(ids: readonly string[], userId: string, at: Date): Promise<string[]> {
    await this.pause();
    const changed: string[] = [];
    for (const item of this.items.get(userId) ?? []) {
      if (ids.includes(item.id) && item.readAt === null) {
        item.readAt = at.toISOString();
        changed.push(item.id);
      }
    }
    return changed;
  }

  private async pause(): Promise<void> {
    if (this.failing) throw new Error('inbox unreachable');
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
  }
}
