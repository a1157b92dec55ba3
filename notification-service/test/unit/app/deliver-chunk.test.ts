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

async function channelOf(w: MemoryWorld, userId: string, notificationId: string, channel: string) {
  return (await w.inbox.deliveryStatuses([notificationId], userId)).get(notificationId)?.find((c) => c.channel === channel);
}

const timerOf = (w: MemoryWorld, notificationId: string) => {
  const item = w.inbox.all().find((n) => n.id === notificationId)!;
  return { at: item.fallbackAt, reason: item.fallbackReason };
};

// The memory world's clock starts at 2024-05-01T12:00:00Z; FALLBACK_DELAY_MS 120000, ESCALATE_AFTER_MS 300000.
const FALLBACK_AT = '2024-05-01T12:02:00.000Z';
const ESCALATE_AT = '2024-05-01T12:05:00.000Z';

describe('deliverChunk: preferences route each channel', () => {
  it('defaults: inbox delivered, email scheduled on the fallback timer (no row); sms, slack and push (off) are absent', async () => {
    const w = memoryWorld();
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    const nid = created[0]!.notification.id;
    expect(created[0]!.fallback).toBe(true);
    expect(await statusOf(w, bo.id, nid)).toEqual({ in_app: 'delivered', email: 'scheduled' });
    // The email is the notification's timer, createdAt + FALLBACK_DELAY_MS, not a delivery row.
    expect(await channelOf(w, bo.id, nid, 'email')).toMatchObject({ status: 'scheduled', attempts: 0, notBefore: FALLBACK_AT });
    expect(timerOf(w, nid)).toEqual({ at: FALLBACK_AT, reason: null });
  });

  it('one timer for every out-of-band channel switched on, push included', async () => {
    const w = memoryWorld();
    await w.preferences.put(bo.id, prefs({ channels: { sms: true, slack: true, push: true } }));
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    const nid = created[0]!.notification.id;
    expect(await statusOf(w, bo.id, nid)).toEqual({ in_app: 'delivered', email: 'scheduled', sms: 'scheduled', slack: 'scheduled', push: 'scheduled' });
    const channels = (await w.inbox.deliveryStatuses([nid], bo.id)).get(nid)!;
    expect(channels.map((c) => c.channel)).toEqual(['in_app', 'email', 'sms', 'slack', 'push']);
    expect(channels.slice(1).every((c) => c.notBefore === FALLBACK_AT)).toBe(true);
  });

  it('a daily digest for the type holds the email in a pending digest row; quiet hours move the timer to their end', async () => {
    const w = memoryWorld();
    await w.preferences.put(bo.id, prefs({ types: { alert: { frequency: 'daily' } } }));
    // 12:00 UTC is 21:00 in Tokyo: inside 20:00-08:00, which ends at 23:00 UTC.
    await w.preferences.put(cy.id, prefs({ quietHours: { start: '20:00', end: '08:00' }, timezone: 'Asia/Tokyo' }));
    // Inside 20:00-21:01 Tokyo time, which ends at 12:01 UTC: before the fallback delay, so the delay wins.
    await w.preferences.put(di.id, prefs({ quietHours: { start: '20:00', end: '21:01' }, timezone: 'Asia/Tokyo' }));
    await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id, cy.id, di.id] });
    const [forBo, forCy, forDi] = [bo.id, cy.id, di.id].map((u) => w.inbox.all().find((r) => r.recipientId === u)!.id);
    expect(await channelOf(w, bo.id, forBo!, 'email')).toMatchObject({ status: 'pending', digest: 'daily' });
    expect(await channelOf(w, bo.id, forBo!, 'email')).not.toHaveProperty('notBefore');
    // The digest is the only out-of-band channel in play: no timer.
    expect(timerOf(w, forBo!)).toEqual({ at: null, reason: null });
    expect(await channelOf(w, cy.id, forCy!, 'email')).toMatchObject({ status: 'scheduled', notBefore: '2024-05-01T23:00:00.000Z' });
    expect(await channelOf(w, cy.id, forCy!, 'email')).not.toHaveProperty('digest');
    expect(timerOf(w, forCy!).at).toBe('2024-05-01T23:00:00.000Z');
    expect(await channelOf(w, di.id, forDi!, 'email')).toMatchObject({ status: 'scheduled', notBefore: FALLBACK_AT });
    expect(timerOf(w, forDi!).at).toBe(FALLBACK_AT);
  });

  it('in_app off but email on: kept for the email only, never listed, counted or pushed', async () => {
    const w = memoryWorld();
    await w.preferences.put(bo.id, prefs({ types: { alert: { in_app: false } } }));
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    expect(created).toHaveLength(1);
    expect(await statusOf(w, bo.id, created[0]!.notification.id)).toEqual({ in_app: 'skipped:type_off', email: 'scheduled' });
    expect(w.inbox.all()).toMatchObject([{ id: created[0]!.notification.id, inInbox: false, fallbackAt: FALLBACK_AT }]);
    expect((await w.inbox.list(bo.id, { limit: 10 })).items).toEqual([]);
    expect(await w.inbox.unreadCount(bo.id)).toBe(0);
    expect(w.live.frames).toEqual([]);
    // Not in the stream either: it takes no number.
    expect(created[0]!.notification.seq).toBeUndefined();
    expect((await w.inbox.streamHead(bo.id)).seq).toBe(0);
  });

  it('numbers each recipient\'s items in their own stream, and the live frames carry the number', async () => {
    const w = memoryWorld();
    await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id, cy.id] });
    expect(w.live.notificationsFor(bo.id).map((n) => n.seq)).toEqual([1, 2]);
    expect(w.live.notificationsFor(cy.id).map((n) => n.seq)).toEqual([1]);
    expect((await w.inbox.list(bo.id, { limit: 10 })).items.map((n) => n.seq)).toEqual([2, 1]);
    expect(await w.inbox.streamHead(bo.id)).toEqual({ unread: 2, seq: 2 });
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

  it('clears the email timer of a recipient who saw it live, keeps the offline one scheduled', async () => {
    const w = memoryWorld();
    w.live.online.add(bo.id);
    const { created, online } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id, cy.id] });
    expect([...online]).toEqual([bo.id]);
    const byUser = new Map(created.map((c) => [c.recipientId, c.notification.id]));
    expect(await statusOf(w, bo.id, byUser.get(bo.id)!)).toEqual({ in_app: 'delivered', email: 'skipped:delivered_live' });
    expect(timerOf(w, byUser.get(bo.id)!)).toEqual({ at: null, reason: 'delivered_live' });
    expect(await statusOf(w, cy.id, byUser.get(cy.id)!)).toEqual({ in_app: 'delivered', email: 'scheduled' });
    expect(timerOf(w, byUser.get(cy.id)!)).toEqual({ at: FALLBACK_AT, reason: null });
  });

  it('a critical alert keeps its email even for someone online: the timer moves to the escalation delay', async () => {
    const w = memoryWorld();
    w.live.online.add(bo.id);
    w.live.online.add(cy.id);
    await w.preferences.put(cy.id, prefs({ types: { alert: { email: false } } }));
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert({ priority: 'critical' }), recipientIds: [bo.id, cy.id] });
    const byUser = new Map(created.map((c) => [c.recipientId, c.notification.id]));
    expect(await statusOf(w, bo.id, byUser.get(bo.id)!)).toEqual({ in_app: 'delivered', email: 'scheduled' });
    expect(await channelOf(w, bo.id, byUser.get(bo.id)!, 'email')).toMatchObject({ notBefore: ESCALATE_AT });
    expect(timerOf(w, byUser.get(bo.id)!)).toEqual({ at: ESCALATE_AT, reason: null });
    // No out-of-band channel allowed: no timer to escalate.
    expect(await statusOf(w, cy.id, byUser.get(cy.id)!)).toEqual({ in_app: 'delivered' });
    expect(timerOf(w, byUser.get(cy.id)!)).toEqual({ at: null, reason: null });
  });

  it('a live layer failure does not fail the delivery: the inbox has it, the email stays scheduled', async () => {
    const w = memoryWorld();
    w.live.online.add(bo.id);
    w.live.failing = true;
    const { created, online } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id] });
    expect(online.size).toBe(0);
    expect(await statusOf(w, bo.id, created[0]!.notification.id)).toEqual({ in_app: 'delivered', email: 'scheduled' });
    expect(timerOf(w, created[0]!.notification.id)).toEqual({ at: FALLBACK_AT, reason: null });
    expect(await w.inbox.unreadCount(bo.id)).toBe(1);
  });

  it('unread counts unreadable after the commit: the items still go out, and the recipients\' counts are caught up', async () => {
    const w = memoryWorld();
    w.inbox.unreadCounts = async () => {
      throw new Error('connection terminated');
    };
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id, cy.id] });
    expect(w.live.frames.map((f) => [f.userId, f.frame.type])).toEqual([[bo.id, 'notification'], [cy.id, 'notification']]);
    expect(w.live.notificationsFor(bo.id).map((n) => n.id)).toEqual([created.find((c) => c.recipientId === bo.id)!.notification.id]);
    expect(w.live.catchUps).toEqual([{ userIds: [bo.id, cy.id], after: undefined }]);
  });

  it('a failed push asks the recipients\' sockets to catch up from just before the oldest item', async () => {
    const w = memoryWorld();
    w.live.failing = true;
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft: alert(), recipientIds: [bo.id, cy.id] });
    const oldest = created.map((c) => c.notification.id).sort()[0]!;
    expect(w.live.catchUps).toHaveLength(1);
    expect(w.live.catchUps[0]!.userIds).toEqual([bo.id, cy.id]);
    expect(w.live.catchUps[0]!.after! < oldest).toBe(true);
  });

  it('a redelivered chunk writes nothing again, and asks the sockets of those already written to catch up from before them', async () => {
    const w = memoryWorld();
    const eventId = uuidv7();
    const first = await deliverChunk(w.deps, { eventId, draft: alert(), recipientIds: [bo.id, cy.id] });
    expect(w.live.catchUps).toEqual([]);
    w.clock.advance(5_000);
    // The instance died between the commit and the push; the broker hands the chunk (with one more recipient) to another.
    const again = await deliverChunk(w.deps, { eventId, draft: alert(), recipientIds: [bo.id, cy.id, di.id] });
    expect(again.created.map((c) => c.recipientId)).toEqual([di.id]);
    expect(w.inbox.all()).toHaveLength(3);
    expect(w.live.catchUps).toHaveLength(1);
    expect(w.live.catchUps[0]!.userIds.sort()).toEqual([bo.id, cy.id].sort());
    // Every item written the first time is after the catch-up's start.
    for (const { notification } of first.created) expect(w.live.catchUps[0]!.after! < notification.id).toBe(true);
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

  it('a merge cancels the superseded item\'s email timer: only the latest count is worth sending', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, postLiked({ liker: ana }));
    const first = w.inbox.all()[0]!;
    await handleEvent(w.deps, postLiked({ liker: cy }));
    const second = w.inbox.all().find((n) => n.id !== first.id)!;
    expect(await statusOf(w, bo.id, first.id)).toEqual({ in_app: 'delivered', email: 'cancelled:superseded' });
    expect(timerOf(w, first.id)).toEqual({ at: null, reason: 'superseded' });
    expect(await statusOf(w, bo.id, second.id)).toEqual({ in_app: 'delivered', email: 'scheduled' });
    expect(timerOf(w, second.id)).toEqual({ at: FALLBACK_AT, reason: null });
  });
});
