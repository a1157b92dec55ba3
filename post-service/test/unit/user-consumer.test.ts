import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEvent, type DomainEvent, type EventData } from '@herald/contracts';
import { createLogger, MemoryEventBus, REASON_HEADER, uuidv7, type Subscription } from '@herald/platform';
import { waitFor } from '@herald/platform/testing';
import { MemoryContentStore } from '../../src/adapters/memory-content-store.js';
import { subscribeUserProjection, USERS_QUEUE } from '../../src/adapters/user-registered-consumer.js';
import { createPost } from '../../src/app/create-post.js';
import { actorOf, aUser, depsFor } from '../support/fixtures.js';

const registered = (user: { id: string; username: string; displayName: string }, occurredAt?: Date) =>
  createEvent(
    'user.registered',
    { userId: user.id, username: user.username, displayName: user.displayName, email: 'x@example.com', phone: null, locale: 'en', timezone: 'UTC' },
    { producer: 'user-service', occurredAt },
  );

const updated = (userId: string, changes: EventData<'user.updated'>['changes'], occurredAt: Date) =>
  createEvent('user.updated', { userId, changes }, { producer: 'user-service', occurredAt });

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

const settle = (until: () => boolean | Promise<boolean>) => waitFor(until, { timeoutMs: 2_000 });

describe('user.registered consumer (memory bus, memory projection)', () => {
  let bus: MemoryEventBus;
  let store: MemoryContentStore;
  let subscription: Subscription;

  beforeEach(async () => {
    bus = new MemoryEventBus();
    store = new MemoryContentStore();
    subscription = await subscribeUserProjection({ bus, users: store, logger: createLogger('test', 'silent') });
  });

  afterEach(async () => {
    await subscription.cancel();
    await bus.close();
  });

  it('makes a registered username mentionable', async () => {
    const zoe = aUser({ username: 'zoe_unit' });
    const event = registered(zoe);
    await bus.publish([{ routingKey: event.type, messageId: event.id, body: event }]);
    await settle(async () => (await store.transaction((tx) => tx.findUser(zoe.id))) !== null);
    const post = await createPost(depsFor(store), actorOf(aUser()), { text: 'hey @ZOE_UNIT' });
    expect(post.mentions).toEqual([{ userId: zoe.id, username: 'zoe_unit' }]);
    expect(bus.deadLetters(USERS_QUEUE)).toEqual([]);
  });

  const publish = (...events: DomainEvent[]) => bus.publish(events.map((e) => ({ routingKey: e.type, messageId: e.id, body: e })));
  const summary = (id: string) => store.transaction((tx) => tx.findUser(id));

  it('applies user.updated names in occurredAt order, per field, and makes the new username mentionable', async () => {
    const yan = aUser({ username: 'yan_unit', displayName: 'Yan' });
    await publish(registered(yan, at(0)));
    await settle(async () => (await summary(yan.id)) !== null);

    // newest first: the rename at 3, then an older display name at 2 (still applies: nothing newer set it),
    // then an older rename at 1 (ignored) and a replay of the registration (ignored)
    await publish(updated(yan.id, { username: 'yan_new', email: 'y@example.com' }, at(3)));
    await publish(updated(yan.id, { displayName: 'Yan N.' }, at(2)));
    await publish(updated(yan.id, { username: 'yan_mid', displayName: 'Yan M.' }, at(1)));
    await publish(registered(yan, at(0)));
    // All five deliveries handled (registration, three updates, the replay), not a guess at how long they take.
    await settle(() => bus.handled(USERS_QUEUE) >= 5);
    expect(await summary(yan.id)).toEqual({ id: yan.id, username: 'yan_new', displayName: 'Yan N.' });

    const post = await createPost(depsFor(store), actorOf(aUser()), { text: 'hi @yan_new and @yan_unit' });
    expect(post.mentions).toEqual([{ userId: yan.id, username: 'yan_new' }]);
    expect(bus.deadLetters(USERS_QUEUE)).toEqual([]);
  });

  it('retries, rather than dead-letters, an update that overtook another: unknown user, or a name still held', async () => {
    const [ann, bea] = [aUser({ username: 'ann_unit' }), aUser({ username: 'bea_unit' })];
    await publish(registered(ann, at(0)), registered(bea, at(0)));
    await settle(async () => (await summary(bea.id)) !== null && (await summary(ann.id)) !== null);
    await publish(updated(bea.id, { username: 'ANN_UNIT' }, at(5)), updated(uuidv7(), { displayName: 'Early' }, at(5)));
    // Both updates were handled once (and handed to a retry), after the two registrations.
    await settle(() => bus.handled(USERS_QUEUE) >= 4);
    expect(bus.deadLetters(USERS_QUEUE)).toEqual([]);
    expect(await summary(bea.id)).toEqual(bea);
  });

  it('acks a user.updated that changes nothing it projects', async () => {
    const zed = aUser({ username: 'zed_unit' });
    await publish(registered(zed, at(0)));
    await settle(async () => (await summary(zed.id)) !== null);
    await publish(updated(zed.id, { email: 'z@example.com', phone: null, locale: 'fr' }, at(1)));
    await settle(() => bus.handled(USERS_QUEUE) >= 2);
    expect(await summary(zed.id)).toEqual(zed);
    expect(bus.deadLetters(USERS_QUEUE)).toEqual([]);
  });

  it.each([
    ['a body that is not an event', { hello: 'world' }],
    ['a user.registered without a username', { ...registered(aUser()), data: { userId: uuidv7() } }],
    ['a user.registered with a non-uuid id', { ...registered(aUser()), id: 'not-a-uuid' }],
    ['a user.updated with no changes', { ...updated(uuidv7(), { displayName: 'x' }, at(0)), data: { userId: uuidv7(), changes: {} } }],
  ])('dead-letters %s without retrying', async (_name, body) => {
    await bus.publish([{ routingKey: 'user.registered', messageId: uuidv7(), body }]);
    await settle(() => bus.deadLetters(USERS_QUEUE).length === 1);
    expect(bus.deadLetters(USERS_QUEUE)[0]!.headers[REASON_HEADER]).toBe('permanent');
  });
});
