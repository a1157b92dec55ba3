import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type EventData } from '@herald/contracts';
import { MemoryEventBus, REASON_HEADER, uuidv7 } from '@herald/platform';
import { USERS_QUEUE } from '../../src/index.js';
import { createPrismaClient, type PostPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaUserProjection } from '../../src/adapters/prisma-user-projection.js';
import { UsernameTakenError } from '../../src/domain/ports.js';
import { aUser } from '../support/fixtures.js';
import { bearer, publishRegistered, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

/** The projection of user-service accounts, fed through the bus exactly as in production. */
describe('user projection fed by user.registered and user.updated', () => {
  let h: Harness;
  let bus: MemoryEventBus;
  let prisma: PostPrisma;

  beforeAll(async () => {
    bus = new MemoryEventBus();
    h = await startHarness('post_projection', { bus });
    prisma = createPrismaClient(h.pool, SCHEMA);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await h?.close();
    await bus.close();
  });

  const publishUpdated = async (userId: string, changes: EventData<'user.updated'>['changes'], occurredAt: Date) => {
    const event = createEvent('user.updated', { userId, changes }, { producer: 'user-service', occurredAt });
    await bus.publish([{ routingKey: event.type, messageId: event.id, body: event }]);
  };
  const later = (ms: number) => new Date(Date.now() + ms);

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

  it('applies a rename: the user is mentionable by the new username, no longer by the old one, and keeps their posts', async () => {
    const letters = bus.deadLetters(USERS_QUEUE).length;
    const author = aUser({ username: 'author_ren' });
    const ren = aUser({ username: 'ren_old', displayName: 'Ren' });
    await h.register(author);
    await h.register(ren);
    const before = (await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(ren)), payload: { text: 'before the rename' } })).json().post;

    await publishUpdated(ren.id, { username: 'Ren_New', displayName: 'Ren N.' }, later(1_000));
    await waitFor(async () => (await userRow(ren.id))?.username === 'Ren_New', 'the rename to arrive');
    expect(await userRow(ren.id)).toEqual({ id: ren.id, username: 'Ren_New', username_lower: 'ren_new', display_name: 'Ren N.' });

    const post = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(author)), payload: { text: 'hi @ren_new, not @ren_old' } });
    expect(post.statusCode).toBe(201);
    expect(post.json().post.mentions).toEqual([{ userId: ren.id, username: 'Ren_New' }]);
    const read = await h.service.app.inject({ url: `/api/v1/posts/${before.id}`, headers: bearer(h.tokenFor(author)) });
    expect(read.json().post.author).toEqual({ id: ren.id, username: 'Ren_New', displayName: 'Ren N.' });

    // the old name is free again: someone else can be projected with it
    const heir = aUser({ username: 'ren_old' });
    await h.register(heir);
    expect((await userRow(heir.id))?.username).toBe('ren_old');
    expect(bus.deadLetters(USERS_QUEUE)).toHaveLength(letters);
  });

  it('orders names by occurredAt, per field: an older event never overwrites a newer one', async () => {
    const projection = new PrismaUserProjection(prisma, SCHEMA);
    const olu = aUser({ username: 'olu_order', displayName: 'Olu' });
    const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
    await projection.upsert(olu, t(0));
    expect(await projection.update(olu.id, { username: 'olu_three' }, t(3))).toBe(true);
    expect(await projection.update(olu.id, { username: 'olu_one', displayName: 'Olu One' }, t(1))).toBe(true); // name older: kept
    expect(await userRow(olu.id)).toMatchObject({ username: 'olu_three', display_name: 'Olu One' });
    expect(await projection.update(olu.id, { displayName: 'Olu Two' }, t(2))).toBe(true);
    expect(await projection.update(olu.id, { displayName: 'Olu Old' }, t(2))).toBe(true); // same instant: first one wins
    await projection.upsert(olu, t(0)); // a replayed registration changes nothing
    expect(await userRow(olu.id)).toEqual({ id: olu.id, username: 'olu_three', username_lower: 'olu_three', display_name: 'Olu Two' });
    // a newer registration replay (a backfill) wins over older updates
    await projection.upsert({ ...olu, username: 'olu_now', displayName: 'Olu Now' }, t(9));
    expect(await userRow(olu.id)).toMatchObject({ username: 'olu_now', display_name: 'Olu Now' });
  });

  it('refuses a rename onto a name another id holds, and reports an update for an unknown id', async () => {
    const projection = new PrismaUserProjection(prisma, SCHEMA);
    const [kim, lee] = [aUser({ username: 'kim_taken' }), aUser({ username: 'lee_taken' })];
    await projection.upsert(kim, new Date());
    await projection.upsert(lee, new Date());
    await expect(projection.update(lee.id, { username: 'KIM_TAKEN' }, later(1_000))).rejects.toBeInstanceOf(UsernameTakenError);
    expect((await userRow(lee.id))?.username).toBe('lee_taken');
    expect(await projection.update(uuidv7(), { displayName: 'Nobody' }, new Date())).toBe(false);
  });

  it('replaces the stand-in of an unprojected author with a later update', async () => {
    const sam = aUser({ username: 'sam_stand' });
    await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(sam)), payload: { text: 'stand-in' } });
    expect(await userRow(sam.id)).toMatchObject({ display_name: 'sam_stand' });
    await publishUpdated(sam.id, { displayName: 'Sam S.' }, new Date(Date.UTC(2020, 0, 1)));
    await waitFor(async () => (await userRow(sam.id))?.display_name === 'Sam S.', 'the display name to arrive');
  });
});
