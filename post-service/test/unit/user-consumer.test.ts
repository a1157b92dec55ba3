import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEvent } from '@herald/contracts';
import { createLogger, MemoryEventBus, REASON_HEADER, uuidv7, type Subscription } from '@herald/platform';
import { MemoryContentStore } from '../../src/adapters/memory-content-store.js';
import { subscribeUserProjection, USERS_QUEUE } from '../../src/adapters/user-registered-consumer.js';
import { createPost } from '../../src/app/create-post.js';
import { actorOf, aUser, depsFor } from '../support/fixtures.js';

const registered = (user: { id: string; username: string; displayName: string }) =>
  createEvent(
    'user.registered',
    { userId: user.id, username: user.username, displayName: user.displayName, email: 'x@example.com', phone: null, locale: 'en', timezone: 'UTC' },
    { producer: 'user-service' },
  );

async function settle(until: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 200 && !(await until()); i++) await new Promise((r) => setTimeout(r, 5));
  expect(await until()).toBe(true);
}

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

  it.each([
    ['a body that is not an event', { hello: 'world' }],
    ['a user.registered without a username', { ...registered(aUser()), data: { userId: uuidv7() } }],
    ['a user.registered with a non-uuid id', { ...registered(aUser()), id: 'not-a-uuid' }],
  ])('dead-letters %s without retrying', async (_name, body) => {
    await bus.publish([{ routingKey: 'user.registered', messageId: uuidv7(), body }]);
    await settle(() => bus.deadLetters(USERS_QUEUE).length === 1);
    expect(bus.deadLetters(USERS_QUEUE)[0]!.headers[REASON_HEADER]).toBe('permanent');
  });
});
