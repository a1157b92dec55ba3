import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventBus, REASON_HEADER, uuidv7 } from '@herald/platform';
import { USERS_QUEUE } from '../../src/index.js';
import { aUser } from '../support/fixtures.js';
import { bearer, publishRegistered, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

/** The projection of user-service accounts, fed through the bus exactly as in production. */
describe('user projection fed by user.registered', () => {
  let h: Harness;
  let bus: MemoryEventBus;

  beforeAll(async () => {
    bus = new MemoryEventBus();
    h = await startHarness('post_projection', { bus });
  });

  afterAll(async () => {
    await h?.close();
    await bus.close();
  });

  const userRow = async (id: string) =>
    (await h.pool.query(`SELECT id, username, username_lower, display_name FROM ${SCHEMA}.users WHERE id = $1`, [id])).rows[0];
  const deadLetters = async (count: number) => {
    await waitFor(() => bus.deadLetters(USERS_QUEUE).length >= count, `${count} dead letters`);
    return bus.deadLetters(USERS_QUEUE);
  };

  it('projects a registered user, and a redelivery or repeat changes nothing', async () => {
    const erin = aUser({ username: 'Erin_Proj', displayName: 'Erin' });
    const eventId = uuidv7();
    await publishRegistered(bus, erin, eventId);
    await publishRegistered(bus, erin, eventId);
    await h.register(erin);
    expect(await userRow(erin.id)).toEqual({ id: erin.id, username: 'Erin_Proj', username_lower: 'erin_proj', display_name: 'Erin' });
    expect((await h.pool.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.users WHERE username_lower = 'erin_proj'`)).rows[0].n).toBe(1);
  });

  it('leaves an @name as plain text until its user is projected, then resolves it', async () => {
    const author = aUser({ username: 'frank_proj' });
    const late = aUser({ username: 'late_proj', displayName: 'Late Comer' });
    const post = async () =>
      (await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(author)), payload: { text: 'hi @late_proj' } })).json().post;
    expect((await post()).mentions).toEqual([]);
    const dm = () => h.service.app.inject({ method: 'POST', url: '/api/v1/messages', headers: bearer(h.tokenFor(author)), payload: { toUserId: late.id, text: 'hi' } });
    expect((await dm()).statusCode).toBe(404);

    await h.register(late);
    expect((await post()).mentions).toEqual([{ userId: late.id, username: 'late_proj' }]);
    expect((await dm()).statusCode).toBe(201);
  });

  it('replaces the token stand-in of an unprojected author with the real display name', async () => {
    const gina = aUser({ username: 'gina_proj', displayName: 'Gina G.' });
    const created = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(gina)), payload: { text: 'early bird' } });
    expect(created.json().post.author).toEqual({ id: gina.id, username: 'gina_proj', displayName: 'gina_proj' });
    await publishRegistered(bus, gina);
    await waitFor(async () => (await userRow(gina.id))?.display_name === 'Gina G.', 'display name to arrive');
    const read = await h.service.app.inject({ url: `/api/v1/posts/${created.json().post.id}`, headers: bearer(h.tokenFor(gina)) });
    expect(read.json().post.author).toEqual(gina);
  });

  it('dead-letters a malformed event at once and a username that belongs to another id', async () => {
    const before = bus.deadLetters(USERS_QUEUE).length;
    await bus.publish([{ routingKey: 'user.registered', messageId: uuidv7(), body: { id: uuidv7(), type: 'user.registered', data: { userId: 'nope' } } }]);
    const letters = await deadLetters(before + 1);
    expect(letters.at(-1)!.headers[REASON_HEADER]).toBe('permanent');

    const holder = aUser({ username: 'holder_proj' });
    await h.register(holder);
    await publishRegistered(bus, { ...aUser(), username: 'HOLDER_PROJ' });
    const after = await deadLetters(before + 2);
    expect(after.at(-1)!.headers[REASON_HEADER]).toBe('permanent');
    expect((await h.pool.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.users WHERE username_lower = 'holder_proj'`)).rows[0].n).toBe(1);
  });

  it('acks a well-formed event of a type it does not know, without dead-lettering it', async () => {
    const before = bus.deadLetters(USERS_QUEUE).length;
    const body = { id: uuidv7(), type: 'user.renamed', occurredAt: new Date().toISOString(), producer: 'user-service', version: 1, data: {} };
    await bus.publish([{ routingKey: 'user.registered', messageId: body.id, body }]);
    const marker = aUser({ username: 'marker_proj' });
    await h.register(marker); // delivered after the unknown event on the same queue
    expect(bus.deadLetters(USERS_QUEUE)).toHaveLength(before);
  });
});
