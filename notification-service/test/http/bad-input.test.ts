import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTokenKeys, TokenSigner, uuidv7 } from '@herald/platform';
import { expectBadInput, type BadInputCase } from '@herald/platform/testing';
import { deliverChunk } from '../../src/app/deliver-chunk.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';

/**
 * Malformed requests, each with the exact status, error code and the field it names. Bad input
 * never reaches the database as a 500, and the service keeps answering afterwards.
 */
const me = uuidv7();
const UNKNOWN = '01890a5d-ac96-774b-bcce-b302099a8057';
let foreignId = '';

type Case = BadInputCase<'none' | 'garbage' | 'foreign' | 'sender' | 'plain'> & { url: () => string };

const send = (payload: unknown, rest: Omit<Case, 'url'>): Case => ({ method: 'POST', url: () => '/api/v1/notifications', payload, auth: 'sender', ...rest });
const prefs = (payload: unknown, rest: Omit<Case, 'url'>): Case => ({ method: 'PUT', url: () => '/api/v1/users/me/preferences', payload, ...rest });
const valid = { recipients: [UNKNOWN], type: 'system', title: 'Hi' };

const cases: Case[] = [
  { name: 'inbox without a token', url: () => '/api/v1/notifications', auth: 'none', status: 401, code: 'missing_token' },
  { name: 'inbox with a garbage token', url: () => '/api/v1/notifications', auth: 'garbage', status: 401, code: 'invalid_token' },
  { name: 'inbox with a token signed by another key', url: () => '/api/v1/notifications', auth: 'foreign', status: 401, code: 'invalid_token' },
  { name: 'negative limit', url: () => '/api/v1/notifications?limit=-1', status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'absurd limit', url: () => '/api/v1/notifications?limit=1000000000', status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'non-numeric limit', url: () => '/api/v1/notifications?limit=ten', status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'garbage cursor', url: () => '/api/v1/notifications?cursor=abc', status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'SQL in the cursor', url: () => `/api/v1/notifications?cursor=${encodeURIComponent("' OR 1=1 --")}`, status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'huge cursor', url: () => `/api/v1/notifications?cursor=${'A'.repeat(5000)}`, status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'unread neither true nor false', url: () => '/api/v1/notifications?unread=maybe', status: 400, code: 'invalid_request', field: 'unread' },
  { name: 'read a non-uuid id', method: 'POST', url: () => '/api/v1/notifications/not-a-uuid/read', status: 400, code: 'invalid_request', field: 'id' },
  { name: 'read a urn:uuid id', method: 'POST', url: () => `/api/v1/notifications/urn:uuid:${UNKNOWN}/read`, status: 400, code: 'invalid_request', field: 'id' },
  { name: 'read an unknown id', method: 'POST', url: () => `/api/v1/notifications/${UNKNOWN}/read`, status: 404, code: 'not_found' },
  { name: "read someone else's notification", method: 'POST', url: () => `/api/v1/notifications/${foreignId}/read`, status: 404, code: 'not_found' },
  { name: 'status without ids', url: () => '/api/v1/notifications/status', status: 400, code: 'invalid_request', field: 'id' },
  { name: 'status with a bad id', url: () => `/api/v1/notifications/status?id=${UNKNOWN}&id=%00`, status: 400, code: 'invalid_request', field: 'id' },
  { name: 'status with 101 ids', url: () => `/api/v1/notifications/status?${Array.from({ length: 101 }, () => `id=${UNKNOWN}`).join('&')}`, status: 400, code: 'invalid_request', field: 'id' },
  send({ type: 'system' }, { name: 'send without recipients', status: 400, code: 'invalid_request', field: 'recipients' }),
  send({ ...valid, recipients: [] }, { name: 'send to nobody', status: 400, code: 'invalid_request', field: 'recipients' }),
  send({ ...valid, recipients: ['bob'] }, { name: 'send to a username', status: 400, code: 'invalid_request', field: 'recipients.0' }),
  send({ ...valid, recipients: Array.from({ length: 1001 }, () => UNKNOWN) }, { name: 'send to 1001 recipients', status: 400, code: 'invalid_request', field: 'recipients' }),
  send({ ...valid, type: 'party' }, { name: 'send an unknown type', status: 400, code: 'invalid_request', field: 'type' }),
  send({ ...valid, title: 'a\u0000b' }, { name: 'send a title with NUL', status: 400, code: 'invalid_request', field: 'title' }),
  send(undefined, { name: 'send a title with a lone surrogate', raw: `{"recipients":["${UNKNOWN}"],"type":"system","title":"broken \\ud800 text"}`, status: 400, code: 'invalid_request', field: 'title' }),
  send({ ...valid, title: 'x'.repeat(201) }, { name: 'send a 201-character title', status: 400, code: 'invalid_request', field: 'title' }),
  send({ ...valid, data: [1, 2] }, { name: 'send data as an array', status: 400, code: 'invalid_request', field: 'data' }),
  send({ ...valid, data: { deep: { x: 'a\u0000b' } } }, { name: 'send data holding NUL', status: 400, code: 'invalid_request', field: 'data.deep.x' }),
  send({ ...valid, channels: ['pigeon'] }, { name: 'send on an unknown channel', status: 400, code: 'invalid_request', field: 'channels.0' }),
  send({ ...valid, priority: 'urgent' }, { name: 'send an unknown priority', status: 400, code: 'invalid_request', field: 'priority' }),
  send({ ...valid, idempotencyKey: 'has spaces ✓' }, { name: 'send an idempotency key with spaces', status: 400, code: 'invalid_request', field: 'idempotencyKey' }),
  send({ ...valid, recipients: { $in: [UNKNOWN] } }, { name: 'send recipients as an operator object', status: 400, code: 'invalid_request', field: 'recipients' }),
  send(valid, { name: 'send without the notifications:send scope', auth: 'plain', status: 403, code: 'forbidden' }),
  send(undefined, { name: 'send a JSON array body', raw: '[1,2]', status: 400, code: 'invalid_request', field: 'body' }),
  send(undefined, { name: 'send malformed JSON', raw: '{"recipients": [', status: 400, code: 'invalid_json', field: 'body' }),
  send({ ...valid, data: { blob: 'x'.repeat(70_000) } }, { name: 'send a body over the size limit', status: 413, code: 'payload_too_large' }),
  prefs({ channels: { email: 'yes' } }, { name: 'preferences: a channel switch as a string', status: 400, code: 'invalid_request', field: 'channels.email' }),
  prefs({ channels: { email: 'true' } }, { name: 'preferences: "true" is not true', status: 400, code: 'invalid_request', field: 'channels.email' }),
  prefs({ types: { party: { email: true } } }, { name: 'preferences: an unknown type', status: 400, code: 'invalid_request', field: 'types.party' }),
  prefs({ types: { like: { frequency: 'hourly' } } }, { name: 'preferences: an unknown frequency of a type', status: 400, code: 'invalid_request', field: 'types.like.frequency' }),
  prefs({ quietHours: { start: '25:00', end: '07:00' } }, { name: 'preferences: quiet hours at 25:00', status: 400, code: 'invalid_request', field: 'quietHours.start' }),
  prefs({ timezone: 'Mars/Olympus_Mons' }, { name: 'preferences: an unknown time zone', status: 400, code: 'invalid_request', field: 'timezone' }),
  prefs({ sound: 'loud' }, { name: 'preferences: an unknown field', status: 400, code: 'invalid_request', field: 'sound' }),
  prefs(undefined, { name: 'preferences: a bare string body', raw: '"everything"', status: 400, code: 'invalid_request', field: 'body' }),
  { name: 'preferences alias: a bad frequency', method: 'POST', url: () => '/api/v1/users/preferences', payload: { frequency: 'hourly' }, status: 400, code: 'invalid_request', field: 'frequency' },
  { name: 'mute a non-uuid user', method: 'PUT', url: () => '/api/v1/notifications/mutes/bob', status: 400, code: 'invalid_request', field: 'userId' },
  { name: 'mute with an unknown kind', method: 'PUT', url: () => `/api/v1/notifications/mutes/${UNKNOWN}`, payload: { kind: 'ignore' }, status: 400, code: 'invalid_request', field: 'kind' },
  { name: 'mute yourself', method: 'PUT', url: () => `/api/v1/notifications/mutes/${me}`, payload: {}, status: 400, code: 'invalid_request', field: 'userId' },
  { name: 'unmute a non-uuid user', method: 'DELETE', url: () => '/api/v1/notifications/mutes/%27%3B%20DROP', status: 400, code: 'invalid_request', field: 'userId' },
  { name: 'unknown route', url: () => '/api/v1/notificationz', status: 404, code: 'route_not_found' },
];

describe('bad input', () => {
  let h: Harness;
  const foreignSigner = new TokenSigner(generateTokenKeys().privateKey);

  beforeAll(async () => {
    h = await startHarness('notif_bad_input');
    const other = uuidv7();
    const { created } = await deliverChunk(h.service.deps, {
      eventId: uuidv7(),
      draft: { type: 'system', priority: 'normal', title: 'theirs', body: '', data: {} },
      recipientIds: [other],
    });
    foreignId = created[0]!.notification.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(cases)('$name → $status $code', async (c) => {
    const headers: Record<string, string> = {};
    if (c.auth === 'garbage') headers.authorization = 'Bearer not.a.jwt';
    else if (c.auth === 'foreign') headers.authorization = `Bearer ${foreignSigner.sign({ userId: me, username: 'me', scopes: [] })}`;
    else if (c.auth !== 'none') Object.assign(headers, bearer(h.tokenFor(me, c.auth === 'sender' ? ['notifications:send'] : [])));
    await expectBadInput(h.service.app, c, { authHeaders: headers });
  });

  it('still answers after all of that, and stored nothing from the bad requests', async () => {
    const res = await h.service.app.inject({ method: 'GET', url: '/api/v1/notifications/unread-count', headers: bearer(h.tokenFor(me)) });
    expect([res.statusCode, res.json()]).toEqual([200, { count: 0 }]);
    const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM notifications.notifications');
    expect(rows[0].n).toBe(1); // only the other user's fixture
    expect((await h.service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
