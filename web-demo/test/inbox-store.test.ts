import { describe, expect, it, vi } from 'vitest';
import { InboxStore } from '../public/inbox-store.js';

function note(id: string, extra: Record<string, unknown> = {}) {
  return { id, type: 'like', title: `n ${id}`, readAt: null as string | null, ...extra };
}

describe('InboxStore', () => {
  it('lists newest first by id and never holds one id twice', () => {
    const store = new InboxStore();
    store.reset({ items: [note('01B'), note('01A')], nextCursor: 'c1' }, { unreadOnly: false });
    store.upsert(note('01C'));
    store.upsert(note('01B', { title: 'changed' }));
    expect(store.items().map((n) => n.id)).toEqual(['01C', '01B', '01A']);
    expect(store.get('01B').title).toBe('changed');
    expect(store.nextCursor).toBe('c1');
  });

  it('appends older pages after the first', () => {
    const store = new InboxStore();
    store.reset({ items: [note('01D'), note('01C')], nextCursor: 'c1' }, { unreadOnly: true });
    store.addPage({ items: [note('01B'), note('01A')], nextCursor: null });
    expect(store.items().map((n) => n.id)).toEqual(['01D', '01C', '01B', '01A']);
    expect(store.nextCursor).toBeNull();
    expect(store.unreadOnly).toBe(true);
  });

  it('updates a grouped item that arrives again with the same id in place, counting its unread state once', () => {
    const store = new InboxStore();
    store.reset({ items: [note('01A', { count: 2 })], nextCursor: null }, { unreadOnly: false });
    const result = store.upsert(note('01A', { count: 5 }));
    expect(result).toEqual({ inserted: false, unreadDelta: 0, replaced: [] });
    expect(store.items()).toHaveLength(1);
    expect(store.get('01A').count).toBe(5);
  });

  it('lets a successor named by data.replaces take its predecessor’s place', () => {
    const store = new InboxStore();
    store.reset({ items: [note('01A', { groupKey: 'like:post:p1' }), note('00Z')], nextCursor: null }, { unreadOnly: false });
    const result = store.upsert(note('01B', { groupKey: 'like:post:p1', count: 2, data: { replaces: '01A' } }));
    expect(result).toEqual({ inserted: true, unreadDelta: 0, replaced: ['01A'] });
    expect(store.items().map((n) => n.id)).toEqual(['01B', '00Z']);
  });

  it('falls back to the groupKey of an older unread item when the successor names none', () => {
    const store = new InboxStore();
    store.reset({ items: [note('01A', { groupKey: 'follow:user:u1' }), note('019', { groupKey: 'follow:user:u1', readAt: '2025-01-01T00:00:00Z' })], nextCursor: null }, { unreadOnly: false });
    const result = store.upsert(note('01B', { groupKey: 'follow:user:u1', count: 2 }));
    expect(result.replaced).toEqual(['01A']);
    expect(store.items().map((n) => n.id)).toEqual(['01B', '019']);
  });

  it('marks read locally and reports only the ids that were unread', () => {
    const store = new InboxStore();
    store.reset({ items: [note('01A'), note('01B', { readAt: '2025-01-01T00:00:00Z' })], nextCursor: null }, { unreadOnly: false });
    expect(store.markRead(['01A', '01B', 'missing'])).toEqual(['01A']);
    expect(store.get('01A').readAt).toBeTruthy();
    store.upsert(note('01C'));
    expect(store.markAllRead()).toEqual(['01C']);
  });

  it('keeps the unread count non-negative and tells subscribers', () => {
    const store = new InboxStore();
    const seen = vi.fn();
    store.subscribe(seen);
    store.setUnreadCount(2);
    store.adjustUnreadCount(-5);
    expect(store.unreadCount).toBe(0);
    store.setUnreadCount(Number.NaN);
    expect(store.unreadCount).toBe(0);
    expect(seen).toHaveBeenCalledWith({ kind: 'count' });
  });
});
