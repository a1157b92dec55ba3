import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { deliverChunk } from '../../src/app/deliver-chunk.js';
import { handleEvent } from '../../src/app/handle-event.js';
import type { NotificationDraft } from '../../src/domain/notification.js';
import { ana, postLiked } from '../unit/domain/mother.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';

const draft = (title: string): NotificationDraft => ({ type: 'system', priority: 'normal', title, body: '', data: {} });

/** The public inbox routes through app.inject on PostgreSQL. */
describe('inbox routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('notif_routes');
  });
  afterAll(async () => {
    await h?.close();
  });

  const as = (userId: string, scopes: string[] = []) => ({
    get: (url: string) => h.service.app.inject({ method: 'GET', url, headers: bearer(h.tokenFor(userId, scopes)) }),
    post: (url: string, payload?: object) => h.service.app.inject({ method: 'POST', url, headers: bearer(h.tokenFor(userId, scopes)), ...(payload === undefined ? {} : { payload }) }),
    put: (url: string, payload?: object) => h.service.app.inject({ method: 'PUT', url, headers: bearer(h.tokenFor(userId, scopes)), ...(payload === undefined ? {} : { payload }) }),
    delete: (url: string) => h.service.app.inject({ method: 'DELETE', url, headers: bearer(h.tokenFor(userId, scopes)) }),
  });
  const give = async (userId: string, n: number) => {
    for (let i = 0; i < n; i++) await deliverChunk(h.service.deps, { eventId: uuidv7(), draft: draft(`n${i}`), recipientIds: [userId] });
  };

  it('lists newest first with cursor paging and the unread filter; counts exactly', async () => {
    const me = uuidv7();
    await give(me, 5);
    const first = (await as(me).get('/api/v1/notifications?limit=2')).json();
    expect(first.items.map((n: { title: string }) => n.title)).toEqual(['n4', 'n3']);
    const second = (await as(me).get(`/api/v1/notifications?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items.map((n: { title: string }) => n.title)).toEqual(['n2', 'n1']);
    const last = (await as(me).get(`/api/v1/notifications?limit=2&cursor=${second.nextCursor}`)).json();
    expect(last).toMatchObject({ items: [{ title: 'n0', type: 'system', category: 'informational', readAt: null }], nextCursor: null });
    // Inbox cursors used to be the bare id of the last item; one a client still holds keeps working.
    const byId = (await as(me).get(`/api/v1/notifications?limit=2&cursor=${first.items[1].id.toUpperCase()}`)).json();
    expect(byId.items.map((n: { title: string }) => n.title)).toEqual(['n2', 'n1']);

    expect((await as(me).post(`/api/v1/notifications/${first.items[0].id}/read`)).statusCode).toBe(204);
    expect((await as(me).get('/api/v1/notifications/unread-count')).json()).toEqual({ count: 4 });
    const unread = (await as(me).get('/api/v1/notifications?unread=true')).json();
    expect(unread.items.map((n: { title: string }) => n.title)).toEqual(['n3', 'n2', 'n1', 'n0']);
    expect(h.live.countsFor(me).at(-1)).toBe(4);

    expect((await as(me).post('/api/v1/notifications/read-all')).statusCode).toBe(204);
    expect((await as(me).get('/api/v1/notifications/unread-count')).json()).toEqual({ count: 0 });
  });

  it("answers 404 for another user's notification or an unknown id, and leaves theirs unread", async () => {
    const [me, other] = [uuidv7(), uuidv7()];
    await give(other, 1);
    const theirs = (await as(other).get('/api/v1/notifications')).json().items[0].id;
    const mine = await as(me).post(`/api/v1/notifications/${theirs}/read`);
    expect([mine.statusCode, mine.json().error.code]).toEqual([404, 'not_found']);
    expect((await as(me).post(`/api/v1/notifications/${uuidv7()}/read`)).statusCode).toBe(404);
    expect((await as(other).get('/api/v1/notifications/unread-count')).json()).toEqual({ count: 1 });
  });

  it('keeps the unread count exact under concurrent reads and inserts', async () => {
    const me = uuidv7();
    await give(me, 30);
    const ids: string[] = (await as(me).get('/api/v1/notifications?limit=100')).json().items.map((n: { id: string }) => n.id);
    const reads = ids.slice(0, 12).map((id) => as(me).post(`/api/v1/notifications/${id}/read`));
    const inserts = Array.from({ length: 15 }, (_, i) => deliverChunk(h.service.deps, { eventId: uuidv7(), draft: draft(`late${i}`), recipientIds: [me] }));
    const again = ids.slice(0, 4).map((id) => as(me).post(`/api/v1/notifications/${id}/read`)); // the same reads racing
    const responses = await Promise.all([...reads, ...again]);
    await Promise.all(inserts);
    expect(responses.every((r) => r.statusCode === 204)).toBe(true);
    expect((await as(me).get('/api/v1/notifications/unread-count')).json()).toEqual({ count: 30 - 12 + 15 });
    expect((await as(me).get('/api/v1/notifications?unread=true&limit=100')).json().items).toHaveLength(33);
  });

  it('shows per-channel status for ids you received, omitting others, in the order asked', async () => {
    const [me, other] = [uuidv7(), uuidv7()];
    await give(me, 2);
    await give(other, 1);
    const mine = (await as(me).get('/api/v1/notifications')).json().items as { id: string; createdAt: string }[];
    const [a, b] = mine.map((n) => n.id);
    const theirs = (await as(other).get('/api/v1/notifications')).json().items[0].id;
    const res = await as(me).get(`/api/v1/notifications/status?id=${b}&id=${theirs}&id=${a}&id=${uuidv7()}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((i: { id: string }) => i.id)).toEqual([b, a]);
    // The email has no row yet: it is the notification's timer, FALLBACK_DELAY_MS (120 s) after creation.
    const createdAt = mine.find((n) => n.id === b)!.createdAt;
    expect(res.json().items[0].channels).toEqual([
      { channel: 'in_app', status: 'delivered', attempts: 0, updatedAt: expect.any(String) },
      { channel: 'email', status: 'scheduled', attempts: 0, notBefore: new Date(Date.parse(createdAt) + 120_000).toISOString(), updatedAt: createdAt },
    ]);
    const single = (await as(me).get(`/api/v1/notifications/status?id=${a}`)).json();
    expect(single.items.map((i: { id: string }) => i.id)).toEqual([a]);
    // Asked alone, the one id's status is also at the top level, and a foreign id is a 404.
    expect(single).toMatchObject({ id: a, channels: [{ channel: 'in_app' }, { channel: 'email' }] });
    expect((await as(me).get(`/api/v1/notifications/status?id=${theirs}`)).statusCode).toBe(404);
    const commaList = (await as(me).get(`/api/v1/notifications/status?id=${b},${a}`)).json();
    expect(commaList.items.map((i: { id: string }) => i.id)).toEqual([b, a]);
    // Reading cancels the email that has not gone out.
    expect((await as(me).post(`/api/v1/notifications/${a}/read`)).statusCode).toBe(204);
    expect((await as(me).get(`/api/v1/notifications/status?id=${a}`)).json().channels).toMatchObject([
      { channel: 'in_app', status: 'read' }, { channel: 'email', status: 'cancelled', reason: 'read' },
    ]);
  });

  it('preferences: defaults, replace with PUT or the POST alias, and they steer delivery', async () => {
    const me = uuidv7();
    expect((await as(me).get('/api/v1/users/me/preferences')).json()).toEqual({
      channels: { in_app: true, email: true, sms: false, slack: false, push: false }, types: {}, frequency: 'instant', quietHours: null, timezone: 'UTC',
      digestHour: 8, slackWebhookUrl: null,
    });
    const hook = 'https://hooks.slack.com/services/T0000/B0000/abcdefghijkl';
    const put = await as(me).put('/api/v1/users/me/preferences', { channels: { email: false, slack: true }, types: { system: { frequency: 'weekly' } }, digestHour: 20, slackWebhookUrl: hook });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ channels: { email: false, slack: true }, types: { system: { frequency: 'weekly' } }, digestHour: 20, slackWebhookUrl: hook });
    expect((await as(me).get('/api/v1/users/me/preferences')).json()).toEqual(put.json());
    // A replace: what the body leaves out (slack, the digest hour, the webhook) takes the default again.
    const alias = await as(me).post('/api/v1/users/preferences', { types: { system: { in_app: false } }, channels: { email: true } });
    expect(alias.json()).toMatchObject({ channels: { email: true, slack: false }, types: { system: { in_app: false } }, frequency: 'instant', digestHour: 8, slackWebhookUrl: null });
    expect((await as(me).get('/api/v1/users/me/preferences')).json()).toEqual(alias.json());
    await give(me, 1);
    expect((await as(me).get('/api/v1/notifications')).json().items).toEqual([]); // in_app off for system: email only
  });

  it('mutes: a muted actor stops notifying; unmute restores; listed newest first', async () => {
    const me = uuidv7();
    const liker = { ...ana, id: uuidv7() };
    expect((await as(me).put(`/api/v1/notifications/mutes/${liker.id}`)).statusCode).toBe(204);
    expect((await as(me).put(`/api/v1/notifications/mutes/${liker.id}`, { kind: 'block' })).statusCode).toBe(204);
    expect((await as(me).get('/api/v1/notifications/mutes')).json().items).toEqual([{ userId: liker.id, kind: 'block', createdAt: expect.any(String) }]);
    // Handled directly (not through the queue) so the test knows when each one is done.
    await handleEvent(h.service.deps, postLiked({ postAuthorId: me, liker, postId: uuidv7() }));
    expect((await as(me).get('/api/v1/notifications')).json().items).toEqual([]);
    expect((await as(me).delete(`/api/v1/notifications/mutes/${liker.id}`)).statusCode).toBe(204);
    expect((await as(me).delete(`/api/v1/notifications/mutes/${liker.id}`)).statusCode).toBe(204);
    expect((await as(me).get('/api/v1/notifications/mutes')).json().items).toEqual([]);
    await handleEvent(h.service.deps, postLiked({ postAuthorId: me, liker, postId: uuidv7() }));
    expect((await as(me).get('/api/v1/notifications')).json().items).toMatchObject([{ type: 'like', actor: { id: liker.id } }]);
  });

  it('send API: 403 without the scope; 202 with ids; the same key answers the same ids and sends nothing twice', async () => {
    const [sender, a, b] = [uuidv7(), uuidv7(), uuidv7()];
    const body = { recipients: [a, b], type: 'alert', title: 'Storage almost full', priority: 'critical', idempotencyKey: 'quota-42' };
    const denied = await as(sender).post('/api/v1/notifications', body);
    expect([denied.statusCode, denied.json().error.code]).toEqual([403, 'forbidden']);
    const notCritical = await as(sender, ['notifications:send', 'notifications:noncritical']).post('/api/v1/notifications', body);
    expect([notCritical.statusCode, notCritical.json().error.code]).toEqual([403, 'scope_required']);
    const strangers = await as(sender, ['notifications:send']).post('/api/v1/notifications', body);
    expect([strangers.statusCode, strangers.json().error.details]).toEqual([400, { field: 'recipients', ids: [a, b] }]);
    await h.registerUsers(a, b);
    const sent = await as(sender, ['notifications:send']).post('/api/v1/notifications', body);
    expect(sent.statusCode).toBe(202);
    const { ids } = sent.json();
    expect(ids).toHaveLength(2);
    const repeats = await Promise.all([1, 2, 3].map(() => as(sender, ['notifications:send']).post('/api/v1/notifications', body)));
    for (const r of repeats) expect([r.statusCode, r.json()]).toEqual([202, { ids }]);
    expect((await as(a).get('/api/v1/notifications')).json().items).toMatchObject([{ id: ids[0], type: 'alert', category: 'alert', priority: 'critical', title: 'Storage almost full' }]);
    expect(h.live.notificationsFor(a)).toHaveLength(1);
    // The sender may follow what it sent.
    const status = (await as(sender).get(`/api/v1/notifications/status?id=${ids[0]}&id=${ids[1]}`)).json();
    expect(status.items.map((i: { id: string }) => i.id)).toEqual(ids);
    const reused = await as(sender, ['notifications:send']).post('/api/v1/notifications', { ...body, title: 'Other' });
    expect([reused.statusCode, reused.json().error.code]).toEqual([409, 'idempotency_key_reused']);
  });

  it('documents every public route in /openapi.json', async () => {
    const doc = (await h.service.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    // Operators' and providers' routes are public API; tracking links (/t/...) and the dev outbox are not.
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/admin/dead-letters',
      '/api/v1/admin/dead-letters/{id}/replay',
      '/api/v1/admin/digests/run',
      '/api/v1/admin/templates',
      '/api/v1/admin/templates/{type}/{channel}/{locale}',
      '/api/v1/admin/templates/{type}/{channel}/{locale}/preview',
      '/api/v1/notifications',
      '/api/v1/notifications/mutes',
      '/api/v1/notifications/mutes/{userId}',
      '/api/v1/notifications/push-subscriptions',
      '/api/v1/notifications/push-subscriptions/vapid-public-key',
      '/api/v1/notifications/push-subscriptions/{id}',
      '/api/v1/notifications/read-all',
      '/api/v1/notifications/status',
      '/api/v1/notifications/unread-count',
      '/api/v1/notifications/{id}/read',
      '/api/v1/providers/sms/status',
      '/api/v1/users/me/preferences',
      '/api/v1/users/preferences',
      '/api/v1/webhooks',
      '/api/v1/webhooks/{id}',
    ]);
    expect(Object.keys(doc.paths['/api/v1/notifications']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/admin/dead-letters'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/admin/dead-letters/{id}/replay'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/v1/admin/digests/run'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/v1/admin/templates/{type}/{channel}/{locale}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(doc.paths['/api/v1/providers/sms/status'])).toEqual(['post']);
    expect(doc.paths['/api/v1/users/me/preferences'].put.requestBody.content['application/json'].schema.properties).toHaveProperty('quietHours');
  });
});
