import { describe, expect, it } from 'vitest';
import { AppError } from '@herald/platform';
import { sendNotification, type SendRequest } from '../../../src/app/send-notification.js';
import { bo, cy, di, id, prefs } from '../domain/mother.js';
import { memoryWorld } from '../../support/memory-deps.js';

/** A world where bo, cy and di are registered users (the send API refuses ids nobody registered). */
async function registeredWorld() {
  const w = memoryWorld();
  await w.projections.applyChanges(
    [bo, cy, di].map((u) => ({
      kind: 'user.upserted' as const,
      user: { id: u.id, username: u.username, displayName: u.displayName, email: `${u.username}@example.com`, phone: null, locale: 'en', timezone: 'UTC' },
      asOf: '2024-01-01T00:00:00Z',
    })),
  );
  return w;
}

const backend = { userId: id(900), scopes: ['notifications:send'] };
const request = (over: Partial<SendRequest> = {}): SendRequest => ({ recipients: [bo.id, cy.id], type: 'system', title: 'Maintenance tonight', ...over });

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('sendNotification', () => {
  it('needs the notifications:send scope', async () => {
    const w = await registeredWorld();
    const err = await rejection(sendNotification(w.deps, { userId: id(901), scopes: [] }, request()));
    expect([err.statusCode, err.code]).toEqual([403, 'forbidden']);
    expect(w.inbox.all()).toEqual([]);
  });

  it('refuses ids no registered user has, naming them, and sends nothing', async () => {
    const w = await registeredWorld();
    const stranger = id(977);
    const err = await rejection(sendNotification(w.deps, backend, request({ recipients: [bo.id, stranger] }), 0));
    expect([err.statusCode, err.code]).toEqual([400, 'unknown_recipients']);
    expect(err.details).toEqual({ field: 'recipients', ids: [stranger] });
    expect(w.inbox.all()).toEqual([]);
  });

  it('waits a moment for a recipient registered just now (the projection follows by events)', async () => {
    const w = memoryWorld();
    setTimeout(() => {
      void w.projections.applyChanges([{ kind: 'user.upserted', user: { id: bo.id, username: 'bo', displayName: 'Bo', email: 'bo@example.com', phone: null, locale: 'en', timezone: 'UTC' }, asOf: '2024-01-01T00:00:00Z' }]);
    }, 150);
    await expect(sendNotification(w.deps, backend, request({ recipients: [bo.id] }), 2_000)).resolves.toMatchObject({ ids: [expect.any(String)] });
  });

  it('refuses critical to a key limited with noncritical, and types a limited key does not name', async () => {
    const w = await registeredWorld();
    await expect(sendNotification(w.deps, backend, request({ priority: 'critical' }))).resolves.toBeDefined();
    const marketing = { userId: id(903), scopes: ['notifications:send', 'notifications:noncritical'] };
    const critical = await rejection(sendNotification(w.deps, marketing, request({ priority: 'critical' })));
    expect([critical.statusCode, critical.code, critical.details]).toEqual([403, 'scope_required', { field: 'priority' }]);

    const billing = { userId: id(902), scopes: ['notifications:send', 'notifications:types=alert|reminder'] };
    const wrongType = await rejection(sendNotification(w.deps, billing, request({ type: 'system' })));
    expect([wrongType.statusCode, wrongType.code, wrongType.details]).toEqual([403, 'scope_required', { field: 'type' }]);
    await expect(sendNotification(w.deps, billing, request({ type: 'reminder' }))).resolves.toBeDefined();
  });

  it('creates one item per recipient, in recipient order, with the caller as sender', async () => {
    const w = await registeredWorld();
    const { ids } = await sendNotification(w.deps, backend, request({ recipients: [cy.id, bo.id, cy.id], body: 'From 22:00 to 23:00', data: { url: '/status' }, template: 'maintenance' }));
    expect(ids).toHaveLength(2);
    const [forCy, forBo] = ids.map((i) => w.inbox.all().find((n) => n.id === i)!);
    expect(forCy).toMatchObject({ recipientId: cy.id, type: 'system', title: 'Maintenance tonight', body: 'From 22:00 to 23:00', data: { url: '/status', template: 'maintenance' } });
    expect(forBo!.recipientId).toBe(bo.id);
    // The sender may read the delivery status of what it sent; a third party may not.
    expect((await w.inbox.deliveryStatuses(ids, backend.userId)).size).toBe(2);
    expect((await w.inbox.deliveryStatuses(ids, di.id)).size).toBe(0);
  });

  it('the same idempotencyKey gives the same ids and sends nothing twice, even concurrently', async () => {
    const w = await registeredWorld();
    const first = await sendNotification(w.deps, backend, request({ idempotencyKey: 'maint-1' }));
    const again = await Promise.all([1, 2, 3].map(() => sendNotification(w.deps, backend, request({ idempotencyKey: 'maint-1' }))));
    for (const answer of again) expect(answer.ids).toEqual(first.ids);
    expect(w.inbox.all()).toHaveLength(2);
    expect(w.live.notificationsFor(bo.id)).toHaveLength(1);
    // The key is the sender's own: another sender's same key is another request.
    const other = await sendNotification(w.deps, { ...backend, userId: id(902) }, request({ idempotencyKey: 'maint-1' }));
    expect(other.ids).not.toEqual(first.ids);
  });

  it('two racing first requests with one key store one answer', async () => {
    const w = await registeredWorld();
    const answers = await Promise.all([1, 2].map(() => sendNotification(w.deps, backend, request({ idempotencyKey: 'race' }))));
    expect(answers[0]!.ids).toEqual(answers[1]!.ids);
    expect(w.inbox.all()).toHaveLength(2);
  });

  it('the same key with a different request is a 409 naming the field', async () => {
    const w = await registeredWorld();
    await sendNotification(w.deps, backend, request({ idempotencyKey: 'k' }));
    const err = await rejection(sendNotification(w.deps, backend, request({ idempotencyKey: 'k', title: 'Something else' })));
    expect([err.statusCode, err.code, err.details]).toEqual([409, 'idempotency_key_reused', { field: 'idempotencyKey' }]);
  });

  it('channels narrows the delivery; a recipient left with none gets no item', async () => {
    const w = await registeredWorld();
    await w.preferences.put(cy.id, prefs({ channels: { email: false } }));
    const { ids } = await sendNotification(w.deps, backend, request({ channels: ['email'] }));
    expect(ids).toHaveLength(1);
    const statuses = await w.inbox.deliveryStatuses(ids, bo.id);
    expect(statuses.get(ids[0]!)!.map((c) => [c.channel, c.status, c.reason])).toEqual([['in_app', 'skipped', 'not_requested'], ['email', 'scheduled', undefined]]);
    expect(w.inbox.all()).toMatchObject([{ id: ids[0], recipientId: bo.id, inInbox: false, fallbackAt: '2024-05-01T12:02:00.000Z' }]);
  });
});
