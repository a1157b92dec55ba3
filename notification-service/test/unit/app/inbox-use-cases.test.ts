import { describe, expect, it } from 'vitest';
import { AppError, uuidv7 } from '@herald/platform';
import { deliverChunk } from '../../../src/app/deliver-chunk.js';
import { handleEvent } from '../../../src/app/handle-event.js';
import { markAllRead, markRead } from '../../../src/app/mark-read.js';
import { getPreferences, putPreferences } from '../../../src/app/preferences.js';
import { deliveryStatus } from '../../../src/app/delivery-status.js';
import { muteUser } from '../../../src/app/mutes.js';
import { ana, bo, cy, event, postLiked } from '../domain/mother.js';
import { memoryWorld } from '../../support/memory-deps.js';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

const draft = { type: 'system' as const, priority: 'normal' as const, title: 'Hi', body: '', data: {} };

describe('reading', () => {
  it('marks one read and pushes the new count to every session; someone else\'s id is a 404', async () => {
    const w = memoryWorld();
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft, recipientIds: [bo.id, cy.id] });
    const [forBo, forCy] = [bo.id, cy.id].map((u) => created.find((c) => c.recipientId === u)!.notification.id);
    w.live.frames.length = 0;
    await markRead(w.deps, bo.id, forBo!);
    expect(w.live.frames).toEqual([{ userId: bo.id, frame: { type: 'unread_count', count: 0 } }]);
    await markRead(w.deps, bo.id, forBo!); // again: fine, nothing to push
    expect(w.live.frames).toHaveLength(1);
    expect((await rejection(markRead(w.deps, bo.id, forCy!))).statusCode).toBe(404);
    expect((await rejection(markRead(w.deps, bo.id, uuidv7()))).statusCode).toBe(404);
    expect(await w.inbox.unreadCount(cy.id)).toBe(1);
  });

  it('reading a superseded group item reads its successor', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, postLiked({ liker: ana }));
    const old = (await w.inbox.list(bo.id, { limit: 1 })).items[0]!.id;
    await handleEvent(w.deps, postLiked({ liker: cy }));
    await markRead(w.deps, bo.id, old);
    expect(await w.inbox.unreadCount(bo.id)).toBe(0);
    expect((await w.inbox.list(bo.id, { limit: 5 })).items.map((n) => [n.count, n.readAt !== null])).toEqual([[2, true]]);
  });

  it('read-all clears the count; the in_app delivery becomes read and the scheduled email is cancelled', async () => {
    const w = memoryWorld();
    const { created } = await deliverChunk(w.deps, { eventId: uuidv7(), draft, recipientIds: [bo.id] });
    await deliverChunk(w.deps, { eventId: uuidv7(), draft, recipientIds: [bo.id] });
    const [before] = await deliveryStatus(w.deps, bo.id, [created[0]!.notification.id]);
    expect(before!.channels.map((c) => [c.channel, c.status])).toEqual([['in_app', 'delivered'], ['email', 'scheduled']]);
    await markAllRead(w.deps, bo.id);
    expect(await w.inbox.unreadCount(bo.id)).toBe(0);
    expect(w.live.countsFor(bo.id).at(-1)).toBe(0);
    const [status] = await deliveryStatus(w.deps, bo.id, [created[0]!.notification.id, uuidv7()]);
    expect(status!.channels.map((c) => [c.channel, c.status, c.reason])).toEqual([['in_app', 'read', undefined], ['email', 'cancelled', 'read']]);
    // Both items' timers are cleared by the read: nothing will go out of band.
    expect(w.inbox.all().map((n) => [n.fallbackAt, n.fallbackReason])).toEqual([[null, 'read'], [null, 'read']]);
  });
});

describe('preferences and mutes', () => {
  it('a bad body is a 400 naming the dotted field; nothing is stored', async () => {
    const w = memoryWorld();
    const err = await rejection(putPreferences(w.deps, bo.id, { types: { like: { frequency: 'hourly' } } }));
    expect([err.statusCode, err.details]).toEqual([400, { field: 'types.like.frequency' }]);
    expect(await getPreferences(w.deps, bo.id)).toMatchObject({ frequency: 'instant', types: {} });
  });

  it('a replace keeps the registered time zone when the body leaves it out', async () => {
    const w = memoryWorld();
    await handleEvent(w.deps, event('user.registered', { userId: bo.id, username: 'bo', displayName: 'Bo', email: 'bo@example.com', phone: null, locale: 'en', timezone: 'America/New_York' }));
    const saved = await putPreferences(w.deps, bo.id, { frequency: 'daily' });
    expect(saved).toMatchObject({ frequency: 'daily', timezone: 'America/New_York', channels: { in_app: true, email: true, sms: false, slack: false, push: false } });
    expect(await getPreferences(w.deps, bo.id)).toEqual(saved);
  });

  it('nobody can mute themselves', async () => {
    const w = memoryWorld();
    expect((await rejection(muteUser(w.deps, bo.id, bo.id.toUpperCase(), 'mute'))).details).toEqual({ field: 'userId' });
  });
});
