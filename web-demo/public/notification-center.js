// @ts-check
// NotificationCenter: joins the live socket, the HTTP inbox and the store. The inbox over HTTP is the
// truth; live frames are merged into it by id (a second copy of an id updates the first in place).
import { listOf } from './api.js';

const PAGE_SIZE = 20;
const COUNT_RECONCILE_MS = 2000;

export class NotificationCenter {
  /**
   * @param {{api: import('./api.js').ApiClient, live: import('./vendor/herald-client.js').HeraldClient,
   *          store: import('./inbox-store.js').InboxStore, toasts: {add: Function, refresh: Function, dismiss?: Function}}} deps
   */
  constructor({ api, live, store, toasts }) {
    this.api = api;
    this.live = live;
    this.store = store;
    this.toasts = toasts;
    /** @type {ReturnType<typeof setTimeout>|undefined} the pending check of the count with HTTP */
    this.countTimer = undefined;
    /** @type {Array<() => void>} */
    this.unsubscribe = [];
  }

  attach() {
    const { live, store } = this;
    this.unsubscribe.push(
      // The server's counts (a socket's hello, an unread_count frame); the store counts live items
      // and reads itself in between, and checks with HTTP when no count follows.
      live.on('unread', ({ count, cause }) => {
        if (cause === 'hello' || cause === 'unread_count') this.setServerCount(count);
      }),
      live.on('notification', ({ notification, isNew }) => this.receive(notification, isNew)),
      live.on('status', ({ state }) => {
        if (state === 'caught_up') this.reconcile();
      }),
    );
    this.refreshCount();
    return () => this.unsubscribe.splice(0).forEach((off) => off());
  }

  receive(n, isNew) {
    const { unreadDelta, replaced } = this.store.upsert(n);
    if (unreadDelta) {
      // The contract does not say the server follows each notification with an unread_count frame;
      // count locally now and check with the server shortly unless it tells us first.
      this.store.adjustUnreadCount(unreadDelta);
      this.scheduleCountCheck();
    }
    if (isNew && !replaced.length && !n.readAt) this.toasts.add(n);
    else this.toasts.refresh(n, replaced);
  }

  setServerCount(count) {
    if (typeof count !== 'number') return;
    clearTimeout(this.countTimer);
    this.countTimer = undefined;
    this.store.setUnreadCount(count);
  }

  scheduleCountCheck() {
    clearTimeout(this.countTimer);
    this.countTimer = setTimeout(() => this.refreshCount(), COUNT_RECONCILE_MS);
  }

  async refreshCount() {
    try {
      const res = await this.api.unreadCount();
      this.setServerCount(res?.count);
    } catch {
      /* the bell keeps its last value; the next frame or page load corrects it */
    }
  }

  /** First page of the inbox (newest first), replacing what the store held. @param {{unreadOnly: boolean}} opts */
  async load({ unreadOnly }) {
    const page = listOf(await this.api.notifications({ limit: PAGE_SIZE, unread: unreadOnly }));
    this.live.noteSeen(page.items);
    this.store.reset(page, { unreadOnly });
  }

  async loadMore() {
    if (!this.store.nextCursor) return;
    const page = listOf(await this.api.notifications({ cursor: this.store.nextCursor, limit: PAGE_SIZE, unread: this.store.unreadOnly }));
    this.live.noteSeen(page.items);
    this.store.addPage(page);
  }

  /**
   * After a reconnect: resume replays what is newer than the newest id, but a grouped item updated
   * in place keeps an older id, so the first page is fetched again and merged by id.
   */
  async reconcile() {
    if (!this.store.loaded) return;
    try {
      const page = listOf(await this.api.notifications({ limit: PAGE_SIZE, unread: this.store.unreadOnly }));
      // Oldest first, so a successor is merged after the item it replaces.
      for (const n of [...page.items].reverse()) {
        const known = this.live.knows(n.id);
        this.live.noteSeen([n]);
        const { replaced } = this.store.upsert(n);
        if (!known && !replaced.length && !n.readAt) this.toasts.add(n);
        else this.toasts.refresh(n, replaced);
      }
      await this.refreshCount();
    } catch {
      /* best effort; the inbox reloads on the next visit */
    }
  }

  /** Marks notifications read: over the socket when connected, and always over HTTP. @param {string[]} ids */
  async markRead(ids) {
    const changed = this.store.markRead(ids);
    if (!changed.length) return;
    this.store.adjustUnreadCount(-changed.length);
    // A toast about something already read is noise.
    for (const id of changed) this.toasts.dismiss?.(id);
    this.live.markRead(changed);
    const results = await Promise.allSettled(changed.map((id) => this.api.markRead(id)));
    await this.refreshCount();
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async markAllRead() {
    const changed = this.store.markAllRead();
    this.store.setUnreadCount(0);
    for (const id of changed) this.toasts.dismiss?.(id);
    if (changed.length) this.live.markRead(changed);
    try {
      await this.api.markAllRead();
    } finally {
      await this.refreshCount();
    }
  }

  reset() {
    clearTimeout(this.countTimer);
    this.store.clear();
  }
}
