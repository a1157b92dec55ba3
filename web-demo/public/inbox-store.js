// @ts-check
// InboxStore: the notifications this tab knows, keyed by id (so an id never shows twice), newest
// first, plus the unread count shown on the bell. Views subscribe and re-render from it.
import { compareIds, replacedIdsOf } from './vendor/herald-client.js';

export class InboxStore {
  constructor() {
    /** @type {Map<string, any>} */
    this.byId = new Map();
    this.nextCursor = null;
    this.loaded = false;
    this.unreadOnly = false;
    this.unreadCount = 0;
    this.listeners = new Set();
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(change) {
    for (const fn of this.listeners) fn(change);
  }

  /** Newest first: ids sort by creation time, so a grouped item updated in place keeps its place. */
  items() {
    return [...this.byId.values()].sort((a, b) => compareIds(b.id, a.id));
  }

  /** Starts over from a first page (a new filter, or a fresh visit to the inbox). */
  reset(page, { unreadOnly }) {
    this.byId.clear();
    this.unreadOnly = unreadOnly;
    this.loaded = true;
    this.addPage(page);
  }

  addPage({ items, nextCursor }) {
    for (const n of items) this.byId.set(n.id, { ...this.byId.get(n.id), ...n });
    this.nextCursor = nextCursor ?? null;
    this.emit({ kind: 'list' });
  }

  /**
   * Inserts or updates one notification. The same id updates in place; a group successor (a new id
   * that names the item it replaces in `data.replaces`, or, failing that, shares the `groupKey` of
   * an older unread item) takes the place of that item.
   * @returns {{inserted: boolean, unreadDelta: number, replaced: string[]}}
   */
  upsert(n) {
    const before = this.byId.get(n.id);
    const replaced = before ? [] : this.predecessorsOf(n);
    let unreadDelta = (isUnread(n) ? 1 : 0) - (before && isUnread(before) ? 1 : 0);
    for (const id of replaced) {
      if (isUnread(this.byId.get(id))) unreadDelta -= 1;
      this.byId.delete(id);
    }
    this.byId.set(n.id, { ...before, ...n });
    this.emit({ kind: 'item', id: n.id, inserted: !before, replaced });
    return { inserted: !before, unreadDelta, replaced };
  }

  predecessorsOf(n) {
    const named = replacedIdsOf(n);
    if (named.length || !n.groupKey) return named.filter((id) => this.byId.has(id));
    return [...this.byId.values()]
      .filter((m) => m.groupKey === n.groupKey && isUnread(m) && compareIds(m.id, n.id) < 0)
      .map((m) => m.id);
  }

  get(id) {
    return this.byId.get(id);
  }

  /** Marks ids read locally; returns the ids that were unread. */
  markRead(ids, at = new Date().toISOString()) {
    const changed = [];
    for (const id of ids) {
      const n = this.byId.get(id);
      if (n && isUnread(n)) {
        this.byId.set(id, { ...n, readAt: at });
        changed.push(id);
      }
    }
    if (changed.length) this.emit({ kind: 'list' });
    return changed;
  }

  markAllRead(at = new Date().toISOString()) {
    return this.markRead([...this.byId.keys()], at);
  }

  setUnreadCount(count) {
    if (!Number.isFinite(count) || count < 0) return;
    this.unreadCount = count;
    this.emit({ kind: 'count' });
  }

  adjustUnreadCount(delta) {
    if (delta) this.setUnreadCount(Math.max(0, this.unreadCount + delta));
  }

  clear() {
    this.byId.clear();
    this.nextCursor = null;
    this.loaded = false;
    this.unreadCount = 0;
    this.emit({ kind: 'list' });
    this.emit({ kind: 'count' });
  }
}

export function isUnread(n) {
  return !n.readAt;
}
