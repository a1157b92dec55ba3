import { describe, expect, it } from 'vitest';
import {
  canAdvanceStatus, categoryOf, DELIVERY_STATUSES, isNotificationType, NOTIFICATION_TYPES, toNotification, type DeliveryStatus,
} from '../../../src/domain/notification.js';
import { ana, postId } from './mother.js';

describe('categoryOf', () => {
  it('gives alerts and reminders their own category and everything else informational', () => {
    expect(Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, categoryOf(t)]))).toEqual({
      follow: 'informational', post: 'informational', comment: 'informational', like: 'informational', mention: 'informational',
      message: 'informational', alert: 'alert', reminder: 'reminder', system: 'informational',
    });
  });
});

describe('isNotificationType', () => {
  it('knows the types of docs/protocol.md and nothing else', () => {
    expect(NOTIFICATION_TYPES.every(isNotificationType)).toBe(true);
    expect(['poke', 'Like', '', 'constructor', 1, null].some(isNotificationType)).toBe(false);
  });
});

describe('toNotification', () => {
  const createdAt = new Date('2024-05-01T12:00:00Z');

  it('gives a draft its id, category, time and an unread state, copying rather than sharing', () => {
    const draft = { type: 'comment' as const, priority: 'normal' as const, actor: ana, object: { kind: 'post' as const, id: postId }, title: 't', body: 'b', data: { postId } };
    const n = toNotification(draft, { id: 'n1', createdAt });
    expect(n).toEqual({ ...draft, id: 'n1', category: 'informational', createdAt: '2024-05-01T12:00:00.000Z', readAt: null });
    expect(n).not.toHaveProperty('groupKey');
    expect(n).not.toHaveProperty('count');
    n.data.extra = 1;
    expect(draft.data).not.toHaveProperty('extra');
  });

  it('leaves out actor and object when the draft has none', () => {
    const n = toNotification({ type: 'alert', priority: 'critical', title: 'Down', body: '', data: {} }, { id: 'n2', createdAt });
    expect(n).not.toHaveProperty('actor');
    expect(n).not.toHaveProperty('object');
    expect(n.category).toBe('alert');
  });
});

describe('canAdvanceStatus', () => {
  it('moves forward along pending → scheduled → queued → sent → delivered → opened → clicked → read, never back', () => {
    const path: DeliveryStatus[] = ['pending', 'scheduled', 'queued', 'sent', 'delivered', 'opened', 'clicked', 'read'];
    for (const [i, from] of path.entries()) {
      for (const [j, to] of path.entries()) expect(canAdvanceStatus(from, to), `${from} → ${to}`).toBe(j > i);
    }
  });

  it('treats read, failed, bounced, skipped and cancelled as final', () => {
    for (const from of ['read', 'failed', 'bounced', 'skipped', 'cancelled'] as const) {
      for (const to of DELIVERY_STATUSES) expect(canAdvanceStatus(from, to), `${from} → ${to}`).toBe(false);
    }
  });

  it('fails or bounces only what has not reached the person, and skips or cancels only what has not been sent', () => {
    const live: DeliveryStatus[] = ['pending', 'scheduled', 'queued', 'sent', 'delivered', 'opened', 'clicked'];
    for (const to of ['failed', 'bounced'] as const) {
      expect(live.filter((s) => canAdvanceStatus(s, to)), to).toEqual(['pending', 'scheduled', 'queued', 'sent']);
    }
    for (const to of ['skipped', 'cancelled'] as const) {
      expect(live.filter((s) => canAdvanceStatus(s, to)), to).toEqual(['pending', 'scheduled', 'queued']);
    }
  });
});
