import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { deliverChunk } from '../../../src/app/deliver-chunk.js';
import { handleEvent } from '../../../src/app/handle-event.js';
import type { NotificationDraft } from '../../../src/domain/notification.js';
import { ana, bo, cy, di, postLiked, prefs } from '../domain/mother.js';
import { memoryWorld, type MemoryWorld } from '../../support/memory-deps.js';

const alert = (over: Partial<NotificationDraft> = {}): NotificationDraft => ({ type: 'alert', priority: 'normal', title: 'Heads up', body: 'Something happened', data: {}, ...over });

async function statusOf(w: MemoryWorld, userId: string, notificationId: string) {
  const channels = (await w.inbox.deliveryStatuses([notificationId], userId)).get(notificationId) ?? [];
  return Object.fromEntries(channels.map((c) => [c.channel, c.reason ? `${c.status}:${c.reason}` : c.status]));
}

describe('deliverChunk: preferences route each channel', () => {
  it('defaults: inbox delivered, email pending; sms and push (off) get no row', async () => {
    const w = memoryWorld();
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    expect(await statusOf(w, bo.id, created[0]!.notification.id)).toEqual({ in_app: 'delivered', email: 'pending' });
  });

  it('a daily digest for the type holds the email for the digest; quiet hours defer it', async () => {
    const w = memoryWorld();
    await w.preferences.put(bo.id, prefs({ types: { alert: { frequency: 'daily' } } }));
    // 12:00 UTC is 21:00 in Tokyo: inside 20:00-08:00, which ends at 23:00 UTC.
    await w.preferences.put(cy.id, prefs({ quietHours: { start: '20:00', end: '08:00' }, timezone: 'Asia/Tokyo' }));
    await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id, cy.id] });
    const [forBo, forCy] = [bo.id, cy.id].map((u) => w.inbox.all().find((r) => r.recipientId === u)!.id);
    const email = async (userId: string, notificationId: string) =>
      (await w.inbox.deliveryStatuses([notificationId], userId)).get(notificationId)!.find((c) => c.channel === 'email');
    expect(await email(bo.id, forBo!)).toMatchObject({ status: 'pending', digest: 'daily' });
    expect(await email(bo.id, forBo!)).not.toHaveProperty('notBefore');
    expect(await email(cy.id, forCy!)).toMatchObject({ status: 'pending', notBefore: '2024-05-01T23:00:00.000Z' });
    expect(await email(cy.id, forCy!)).not.toHaveProperty('digest');
  });

  it('in_app off but email on: kept for the email only, never listed, counted or pushed', async () => {
    const w = memoryWorld();
    await w.preferences.put(bo.id, prefs({ types: { alert: { in_app: false } } }));
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    expect(created).toHaveLength(1);
    expect(await statusOf(w, bo.id, created[0]!.notification.id)).toEqual({ in_app: 'skipped:type_off', email: 'pending' });
    expect((await w.inbox.list(bo.id, { limit: 10 })).items).toEqual([]);
    expect(await w.inbox.unreadCount(bo.id)).toBe(0);
    expect(w.live.frames).toEqual([]);
  });

  it('every channel off: nothing is stored at all', async () => {
    const w = memoryWorld();
    await w.preferences.put(bo.id, prefs({ channels: { in_app: false, email: false } }));
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    expect(created).toEqual([]);
    expect(w.inbox.all()).toEqual([]);
  });
});

describe('deliverChunk: mutes, presence and escalation', () => {
  it('drops recipients who muted or blocked the actor', async () => {
    const w = memoryWorld();
    await w.projections.mute(bo.id, ana.id, 'mute', w.clock.now());
    await w.projections.mute(cy.id, ana.id, 'block', w.clock.now());
    const draft = alert({ type: 'like', actor: ana });
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft, recipientIds: [bo.id, cy.id, di.id] });
    expect(created.map((c) => c.recipientId)).toEqual([di.id]);
    expect(w.live.frames.map((f) => f.userId)).toEqual([di.id, di.id]);
  });

  it('skips the email of a recipient who saw it live, keeps the offline one pending', async () => {
    const w = memoryWorld();
    w.live.online.add(bo.id);
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id, cy.id] });
    const byUser = new Map(created.map((c) => [c.recipientId, c.notification.id]));
    expect(await statusOf(w, bo.id, byUser.get(bo.id)!)).toEqual({ in_app: 'delivered', email: 'skipped:delivered_live' });
    expect(await statusOf(w, cy.id, byUser.get(cy.id)!)).toEqual({ in_app: 'delivered', email: 'pending' });
  });

  it('a critical alert keeps its email even for someone online', async () => {
    const w = memoryWorld();
    w.live.online.add(bo.id);
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert({ priority: 'critical' }), recipientIds: [bo.id] });
    expect(await statusOf(w, bo.id, created[0]!.notification.id)).toEqual({ in_app: 'delivered', email: 'pending' });
  });

  it('a live layer failure does not fail the delivery: the inbox has it, the email stays pending', async () => {
    const w = memoryWorld();
    w.live.failing = true;
    const { created, online } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    expect(online.size).toBe(0);
    expect(await statusOf(w, bo.id, created[0]!.notification.id)).toEqual({ in_app: 'delivered', email: 'pending' });
    expect(await w.inbox.unreadCount(bo.id)).toBe(1);
  });

  it('sends one notification frame and one unread_count frame per recipient, the count after the insert', async () => {
    const w = memoryWorld();
    await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id, cy.id] });
    expect(w.live.countsFor(bo.id)).toEqual([1, 2]);
    expect(w.live.countsFor(cy.id)).toEqual([1]);
    expect(w.live.frames.slice(2).map((f) => [f.userId, f.frame.type])).toEqual([
      [bo.id, 'notification'], [bo.id, 'unread_count'], [cy.id, 'notification'], [cy.id, 'unread_count'],
    ]);
  });

  it('a merge skips the superseded item\'s pending email: only the latest count is worth sending', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, postLiked({ liker: ana }));
    const first = w.inbox.all()[0]!;
    await handleEvent(w.deps, postLiked({ liker: cy }));
    const second = w.inbox.all().find((n) => n.id !== first.id)!;
    expect(await statusOf(w, bo.id, first.id)).toEqual({ in_app: 'delivered', email: 'skipped:superseded' });
    expect(await statusOf(w, bo.id, second.id)).toEqual({ in_app: 'delivered', email: 'pending' });
  });
});
