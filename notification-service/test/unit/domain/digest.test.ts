import { describe, expect, it } from 'vitest';
import { decideDigestRow, digestContent, MAX_DIGEST_ENTRIES } from '../../../src/domain/digest.js';
import type { Actor, Notification } from '../../../src/domain/notification.js';
import { DEFAULT_PREFERENCES, normalizePreferences } from '../../../src/domain/preferences.js';

const actor = (n: number): Actor => ({ id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`, username: `u${n}`, displayName: `User ${n}` });
let seq = 0;
function item(over: Partial<Notification> & Pick<Notification, 'type' | 'title'>): Notification {
  seq++;
  return {
    id: `01900000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    category: 'informational',
    priority: 'normal',
    body: '',
    data: {},
    createdAt: new Date(Date.UTC(2026, 2, 1, 0, seq)).toISOString(),
    readAt: null,
    ...over,
  };
}

describe('digestContent', () => {
  it('a grouped like is one line with the inbox’s own count and words', () => {
    const like = item({ type: 'like', title: 'User 1 and 12 others liked your post', groupKey: 'like:post:p1', count: 13, actor: actor(1), data: { actors: [actor(1), actor(2), actor(3)] } });
    const content = digestContent([like]);
    expect(content).toEqual({ entries: [expect.objectContaining({ type: 'like', title: 'User 1 and 12 others liked your post', count: 13, notificationIds: [like.id] })], total: 1, more: 0, notifications: 1 });
  });

  it('comments on one post make one line; other threads stay apart; newest first', () => {
    const c1 = item({ type: 'comment', title: 'User 1 commented on your post', body: 'first', actor: actor(1), data: { postId: 'p1' } });
    const other = item({ type: 'comment', title: 'User 4 commented on your post', actor: actor(4), data: { postId: 'p2' } });
    const c2 = item({ type: 'comment', title: 'User 2 commented on your post', body: 'second', actor: actor(2), data: { postId: 'p1' } });
    const c3 = item({ type: 'comment', title: 'User 1 commented on your post', body: 'third', actor: actor(1), data: { postId: 'p1' } });
    const follow = item({ type: 'follow', title: 'User 5 followed you', groupKey: 'follow:user:me', count: 1, actor: actor(5) });
    const content = digestContent([c1, other, c2, c3, follow]);
    expect(content.entries.map((e) => [e.title, e.count, e.body])).toEqual([
      ['User 5 followed you', 1, ''],
      ['3 new comments on your post', 3, 'third'],
      ['User 4 commented on your post', 1, ''],
    ]);
    expect(content.entries[1]!.notificationIds).toEqual([c3.id, c2.id, c1.id]);
    expect(content).toMatchObject({ total: 3, more: 0, notifications: 5 });
  });

  it('messages gather by sender, in the person’s language when Herald has its words', () => {
    const m = [1, 2].map(() => item({ type: 'message', title: 'User 7 sent you a message', actor: actor(7), data: {} }));
    expect(digestContent(m).entries[0]!.title).toBe('User 7 sent you 2 messages');
    expect(digestContent(m, 'es-MX').entries[0]!.title).toBe('User 7 te envió 2 mensajes');
    expect(digestContent(m, 'fr').entries[0]!.title).toBe('User 7 sent you 2 messages');
  });

  it(`lists at most ${MAX_DIGEST_ENTRIES} lines and counts the rest`, () => {
    const many = Array.from({ length: MAX_DIGEST_ENTRIES + 3 }, (_, i) => item({ type: 'alert', title: `Alert ${i}` }));
    const content = digestContent(many);
    expect(content.entries).toHaveLength(MAX_DIGEST_ENTRIES);
    expect(content).toMatchObject({ total: MAX_DIGEST_ENTRIES + 3, more: 3, notifications: MAX_DIGEST_ENTRIES + 3 });
    expect(digestContent([])).toEqual({ entries: [], total: 0, more: 0, notifications: 0 });
  });
});

describe('decideDigestRow', () => {
  const base = { channel: 'email' as const, type: 'like' as const, read: false, superseded: false, preferences: DEFAULT_PREFERENCES, addresses: { email: 'ana@example.com' }, undeliverable: new Set<string>() };
  it('queues it for the digest with the address of now', () => {
    expect(decideDigestRow(base)).toEqual({ status: 'queued', address: 'ana@example.com' });
  });
  it('honours what changed since it was held', () => {
    const prefs = (input: unknown) => (normalizePreferences(input) as { ok: true; value: typeof DEFAULT_PREFERENCES }).value;
    expect(decideDigestRow({ ...base, read: true })).toEqual({ status: 'cancelled', reason: 'read' });
    expect(decideDigestRow({ ...base, superseded: true })).toEqual({ status: 'cancelled', reason: 'superseded' });
    expect(decideDigestRow({ ...base, preferences: prefs({ channels: { email: false } }) })).toEqual({ status: 'skipped', reason: 'channel_off' });
    expect(decideDigestRow({ ...base, preferences: prefs({ types: { like: { email: false } } }) })).toEqual({ status: 'skipped', reason: 'type_off' });
    expect(decideDigestRow({ ...base, addresses: {} })).toEqual({ status: 'skipped', reason: 'no_address' });
    expect(decideDigestRow({ ...base, undeliverable: new Set(['email|ana@example.com']) })).toEqual({ status: 'skipped', reason: 'undeliverable' });
    expect(decideDigestRow({ ...base, channel: 'push' })).toEqual({ status: 'skipped', reason: 'channel_off' });
    expect(decideDigestRow({ ...base, channel: 'push', preferences: prefs({ channels: { push: true } }) })).toEqual({ status: 'skipped', reason: 'no_push_subscription' });
    expect(decideDigestRow({ ...base, channel: 'push', preferences: prefs({ channels: { push: true } }), addresses: { pushSubscription: 'me' } })).toEqual({ status: 'queued', address: 'me' });
  });
});
