import { CHANNELS, type Channel, type Notification } from '../domain/notification.js';
import type { ChannelStatus, DeliveryRow, InboxStore, InboxUnitOfWork, SendRecord } from '../domain/ports.js';

interface StoredItem {
  recipientId: string;
  notification: Notification;
  inInbox: boolean;
  senderId: string | null;
  supersededBy: string | null;
  /** The out-of-band timer (cleared when read, superseded or seen live) and why it was cleared. */
  fallbackAt: string | null;
  fallbackChannels: string[] | null;
  fallbackReason: string | null;
}

interface StoredDelivery extends Omit<DeliveryRow, 'status' | 'reason'> {
  status: ChannelStatus['status'];
  reason: string | null;
  attempts: number;
  lastError: string | null;
  updatedAt: string;
}

interface State {
  items: Map<string, StoredItem>;
  /** (event|recipient) → when it was claimed (ms). */
  receipts: Map<string, number>;
  /** user id → the newest number of their stream. */
  streams: Map<string, number>;
  deliveries: Map<string, StoredDelivery>;
  sends: Map<string, SendRecord>;
}

const copy = <T>(value: T): T => structuredClone(value);
const isOpen = (i: StoredItem) => i.supersededBy === null && i.inInbox;
const isUnread = (i: StoredItem) => isOpen(i) && i.notification.readAt === null;

/**
 * The inbox in memory, for unit tests and as the reference the Prisma adapter is held to (the same
 * contract suite). Writes are serialised, and a transaction works on a copy that replaces the
 * state only when the work succeeds, so a failed chunk leaves nothing behind, like a rollback.
 */
export class MemoryInboxStore implements InboxStore {
  private state: State = { items: new Map(), receipts: new Map(), streams: new Map(), deliveries: new Map(), sends: new Map() };
  private queue: Promise<unknown> = Promise.resolve();

  /** `now`: the clock receipts are stamped with (the database's, in the Prisma adapter). */
  constructor(private readonly now: () => number = Date.now) {}

  /** Every stored item (superseded and fallback-only ones too), for assertions. */
  all(): (Notification & { recipientId: string; supersededBy: string | null; inInbox: boolean; fallbackAt: string | null; fallbackReason: string | null })[] {
    return [...this.state.items.values()].map((i) => ({
      ...copy(i.notification), recipientId: i.recipientId, supersededBy: i.supersededBy, inInbox: i.inInbox, fallbackAt: i.fallbackAt, fallbackReason: i.fallbackReason,
    }));
  }

  transaction<T>(work: (uow: InboxUnitOfWork) => Promise<T>): Promise<T> {
    return this.serialised(async () => {
      const draft = copy(this.state);
      const result = await work(unitOfWork(draft, this.now));
      this.state = draft;
      return result;
    });
  }

  async list(userId: string, page: { cursor?: string | null; limit: number; unreadOnly?: boolean }) {
    const rows = this.ofUser(userId, page.unreadOnly ? isUnread : isOpen)
      .filter((i) => !page.cursor || i.notification.id < page.cursor)
      .sort((a, b) => (a.notification.id < b.notification.id ? 1 : -1));
    const items = rows.slice(0, page.limit).map((i) => copy(i.notification));
    return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async listAfter(userId: string, afterId: string, limit: number): Promise<Notification[]> {
    return this.ofUser(userId, isOpen)
      .filter((i) => i.notification.id > afterId.toLowerCase())
      .sort((a, b) => (a.notification.id < b.notification.id ? -1 : 1))
      .slice(0, limit)
      .map((i) => copy(i.notification));
  }

  async streamHead(userId: string): Promise<{ unread: number; seq: number }> {
    return { unread: this.ofUser(userId, isUnread).length, seq: this.state.streams.get(userId.toLowerCase()) ?? 0 };
  }

  async streamHeads(userIds: readonly string[]): Promise<Map<string, { unread: number; seq: number }>> {
    return new Map(await Promise.all(userIds.map(async (id) => [id, await this.streamHead(id)] as const)));
  }

  async unreadCount(userId: string): Promise<number> {
    return this.ofUser(userId, isUnread).length;
  }

  async unreadCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(userIds.map((id) => [id, this.ofUser(id, isUnread).length]));
  }

  markRead(ids: readonly string[], userId: string, at: Date): Promise<string[]> {
    return this.serialised(async () => {
      const targets = new Set<string>();
      for (const id of ids) {
        let item = this.own(id, userId);
        while (item?.supersededBy) item = this.state.items.get(item.supersededBy);
        if (item && item.notification.readAt === null) targets.add(item.notification.id);
      }
      return this.read([...targets], at);
    });
  }

  markAllRead(userId: string, at: Date): Promise<number> {
    return this.serialised(async () => this.read(this.ofUser(userId, isUnread).map((i) => i.notification.id), at).length);
  }

  async ownedBy(ids: readonly string[], userId: string): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.own(id, userId)).map((id) => id.toLowerCase()));
  }

  async deliveryStatuses(ids: readonly string[], viewerId: string): Promise<Map<string, ChannelStatus[]>> {
    const out = new Map<string, ChannelStatus[]>();
    const viewer = viewerId.toLowerCase();
    for (const id of ids) {
      const item = this.state.items.get(id.toLowerCase());
      if (!item || (item.recipientId !== viewer && item.senderId !== viewer)) continue;
      const channels = CHANNELS.flatMap((channel) => {
        const d = this.state.deliveries.get(`${item.notification.id}|${channel}`);
        if (!d) return [];
        const status: ChannelStatus = { channel, status: d.status, attempts: d.attempts, updatedAt: d.updatedAt };
        if (d.lastError !== null) status.lastError = d.lastError;
        if (d.reason !== null) status.reason = d.reason;
        if (d.notBefore) status.notBefore = d.notBefore.toISOString();
        if (d.digest) status.digest = d.digest;
        return [status];
      });
      for (const channel of item.fallbackChannels ?? []) {
        if (channels.some((c) => c.channel === channel)) continue;
        if (item.fallbackAt) channels.push({ channel: channel as Channel, status: 'scheduled', attempts: 0, notBefore: item.fallbackAt, updatedAt: item.notification.createdAt });
        else {
          const reason = item.fallbackReason ?? 'read';
          channels.push({ channel: channel as Channel, status: reason === 'delivered_live' ? 'skipped' : 'cancelled', reason, attempts: 0, updatedAt: item.notification.readAt ?? item.notification.createdAt });
        }
      }
      channels.sort((a, b) => CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel));
      if (channels.length > 0) out.set(item.notification.id, channels);
    }
    return out;
  }

  settleOnline(items: readonly { recipientId: string; notificationId: string }[], escalateAfterMs: number): Promise<number> {
    return this.serialised(async () => {
      let changed = 0;
      for (const { recipientId, notificationId } of items) {
        const item = this.state.items.get(notificationId.toLowerCase());
        if (!item || item.recipientId !== recipientId.toLowerCase() || item.fallbackAt === null || item.notification.readAt !== null) continue;
        if (item.notification.priority === 'critical') {
          item.fallbackAt = new Date(Date.parse(item.notification.createdAt) + escalateAfterMs).toISOString();
        } else {
          Object.assign(item, { fallbackAt: null, fallbackReason: 'delivered_live' });
        }
        changed++;
      }
      return changed;
    });
  }

  /** user.deleted (not an InboxStore method: MemoryUserErasure calls it): the person's items, their deliveries, receipts and send records. */
  eraseRecipient(userId: string): Promise<Record<string, number>> {
    return this.serialised(async () => {
      const user = userId.toLowerCase();
      const counts = { notifications: 0, receipts: 0, streams: this.state.streams.delete(user) ? 1 : 0, sendRequests: 0 };
      for (const [id, item] of this.state.items) {
        if (item.recipientId !== user) continue;
        this.state.items.delete(id);
        for (const key of [...this.state.deliveries.keys()]) if (key.startsWith(`${id}|`)) this.state.deliveries.delete(key);
        counts.notifications++;
      }
      for (const key of [...this.state.receipts.keys()]) {
        if (!key.endsWith(`|${user}`)) continue;
        this.state.receipts.delete(key);
        counts.receipts++;
      }
      for (const [key, record] of this.state.sends) {
        if (record.senderId.toLowerCase() !== user) continue;
        this.state.sends.delete(key);
        counts.sendRequests++;
      }
      return counts;
    });
  }

  async findSendRequest(senderId: string, idempotencyKey: string): Promise<SendRecord | null> {
    const record = this.state.sends.get(`${senderId}|${idempotencyKey}`);
    return record ? copy(record) : null;
  }

  private ofUser(userId: string, keep: (i: StoredItem) => boolean): StoredItem[] {
    const user = userId.toLowerCase();
    return [...this.state.items.values()].filter((i) => i.recipientId === user && keep(i));
  }

  private own(id: string, userId: string): StoredItem | undefined {
    const item = this.state.items.get(id.toLowerCase());
    return item && item.recipientId === userId.toLowerCase() ? item : undefined;
  }

  private read(ids: string[], at: Date): string[] {
    const when = at.toISOString();
    for (const id of ids) {
      const item = this.state.items.get(id)!;
      item.notification.readAt = when;
      if (item.fallbackAt !== null) Object.assign(item, { fallbackAt: null, fallbackReason: 'read' });
      for (const d of this.state.deliveries.values()) {
        if (d.notificationId !== id) continue;
        if (d.channel === 'in_app' && ['pending', 'queued', 'sent', 'delivered'].includes(d.status)) Object.assign(d, { status: 'read', updatedAt: when });
        else if (['sent', 'delivered', 'opened', 'clicked'].includes(d.status)) Object.assign(d, { status: 'read', updatedAt: when });
        else if (['pending', 'scheduled', 'queued'].includes(d.status)) Object.assign(d, { status: 'cancelled', reason: 'read', updatedAt: when });
      }
    }
    return ids;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function cancelPending(state: State, notificationIds: readonly string[], reason: string, when: string): void {
  const ids = new Set(notificationIds.map((id) => id.toLowerCase()));
  for (const id of ids) {
    const item = state.items.get(id);
    if (item && item.fallbackAt !== null) Object.assign(item, { fallbackAt: null, fallbackReason: reason });
  }
  for (const d of state.deliveries.values()) {
    if (!ids.has(d.notificationId) || d.channel === 'in_app' || !['pending', 'scheduled', 'queued'].includes(d.status)) continue;
    Object.assign(d, { status: 'cancelled', reason, updatedAt: when });
  }
}

function unitOfWork(state: State, now: () => number): InboxUnitOfWork {
  return {
    async claimReceipts(groups) {
      return groups.map(({ eventId, recipientIds }) => {
        const claimed: string[] = [];
        for (const id of [...recipientIds].map((r) => r.toLowerCase()).sort()) {
          const key = `${eventId.toLowerCase()}|${id}`;
          if (state.receipts.has(key)) continue;
          state.receipts.set(key, now());
          claimed.push(id);
        }
        return claimed;
      });
    },
    async nextSeqs(recipientIds) {
      const out = new Map<string, number>();
      for (const id of recipientIds.map((r) => r.toLowerCase())) {
        const seq = (state.streams.get(id) ?? 0) + 1;
        state.streams.set(id, seq);
        out.set(id, seq);
      }
      return out;
    },
    async claimedSince(eventId, recipientIds) {
      let earliest: number | undefined;
      for (const id of recipientIds) {
        const at = state.receipts.get(`${eventId.toLowerCase()}|${id.toLowerCase()}`);
        if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
      }
      return earliest === undefined ? undefined : new Date(earliest);
    },
    async openGroups(groups) {
      return groups.map(({ groupKey, recipientIds }) => {
        const wanted = new Set(recipientIds.map((r) => r.toLowerCase()));
        const heads = new Map<string, Notification>();
        const open = [...state.items.values()]
          .filter((i) => wanted.has(i.recipientId) && i.notification.groupKey === groupKey && isUnread(i))
          .sort((a, b) => (a.notification.id < b.notification.id ? -1 : 1));
        for (const item of open) heads.set(item.recipientId, copy(item.notification));
        return heads;
      });
    },
    async insertNotifications(items) {
      for (const item of items) {
        const id = item.notification.id;
        if (state.items.has(id)) throw new Error(`duplicate notification id ${id}`);
        state.items.set(id, {
          recipientId: item.recipientId.toLowerCase(), notification: copy(item.notification), inInbox: item.inInbox !== false, senderId: item.senderId ?? null,
          supersededBy: null, fallbackAt: item.fallback?.at?.toISOString() ?? null, fallbackChannels: item.fallback ? [...item.fallback.channels] : null,
          fallbackReason: item.fallback?.reason ?? null,
        });
      }
    },
    async supersede(replacements) {
      for (const r of replacements) {
        const item = state.items.get(r.oldId);
        if (item && item.recipientId === r.recipientId.toLowerCase()) item.supersededBy = r.newId;
      }
      cancelPending(state, replacements.map((r) => r.oldId), 'superseded', new Date().toISOString());
    },
    async insertDeliveries(rows) {
      const now = new Date().toISOString();
      for (const row of rows) {
        const key = `${row.notificationId}|${row.channel}`;
        if (state.deliveries.has(key)) throw new Error(`duplicate delivery ${key}`);
        if (!state.items.has(row.notificationId)) throw new Error(`delivery for unknown notification ${row.notificationId}`);
        state.deliveries.set(key, { ...copy(row), attempts: 0, lastError: null, updatedAt: now });
      }
    },
    async recordSendRequest(record) {
      const key = `${record.senderId}|${record.idempotencyKey}`;
      if (state.sends.has(key)) return false;
      state.sends.set(key, copy(record));
      return true;
    },
  };
}
