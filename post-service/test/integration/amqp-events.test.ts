import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { createEvent, parseEvent, type DomainEvent } from '@herald/contracts';
import { AmqpEventBus, DEFAULT_RETRY_DELAYS_MS, deadLetterQueueName, retryQueueName } from '@herald/platform';
import { aUser } from '../support/fixtures.js';
import { bearer, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The real broker end to end: HTTP write → outbox → relay → RabbitMQ → a queue bound by routing key. */
describe('post-service events on RabbitMQ', () => {
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const exchange = `test.post-service.${suffix}`;
  const usersQueue = `test.post-service.users.${suffix}`;
  const readQueue = `test.post-service.read.${suffix}`;
  let h: Harness;
  let bus: AmqpEventBus;
  let connection: ChannelModel;
  let channel: Channel;
  const received: ConsumeMessage[] = [];

  beforeAll(async () => {
    bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange });
    h = await startHarness('post_amqp', { bus, usersQueue });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    await channel.assertQueue(readQueue, { durable: false, autoDelete: true });
    await channel.bindQueue(readQueue, exchange, 'post.created');
    await channel.bindQueue(readQueue, exchange, 'comment.created');
    await channel.consume(readQueue, (m) => m && received.push(m), { noAck: true });
  });

  afterAll(async () => {
    await h?.close();
    await bus?.close();
    if (channel) {
      for (const q of [readQueue, usersQueue, deadLetterQueueName(usersQueue), ...DEFAULT_RETRY_DELAYS_MS.map((ms) => retryQueueName(usersQueue, ms))]) {
        await channel.deleteQueue(q).catch(() => undefined);
      }
      await channel.deleteExchange(exchange).catch(() => undefined);
    }
    await connection?.close();
  });

  it('publishes post.created and comment.created with the outbox ids, readable off a bound queue', async () => {
    const author = aUser({ username: `amqp_author_${suffix}`.slice(0, 32) });
    const fan = aUser({ username: `amqp_fan_${suffix}`.slice(0, 32) });
    await h.register(author); // user.registered travels through RabbitMQ to the projection consumer
    await h.register(fan);

    const post = (await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(author)), payload: { text: `hi @${fan.username}` } })).json().post;
    const comment = (
      await h.service.app.inject({ method: 'POST', url: `/api/v1/posts/${post.id}/comments`, headers: bearer(h.tokenFor(fan)), payload: { text: `@${author.username} hello` } })
    ).json().comment;
    // a like is not bound to the read queue and must not show up there
    await h.service.app.inject({ method: 'POST', url: `/api/v1/posts/${post.id}/likes`, headers: bearer(h.tokenFor(fan)) });

    await waitFor(() => received.length >= 2, 'two events on the bound queue');
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(2);

    const events = received.map((m) => ({ routingKey: m.fields.routingKey, messageId: m.properties.messageId, event: parseEvent(JSON.parse(m.content.toString())) as DomainEvent }));
    const created = events.find((e) => e.routingKey === 'post.created')!;
    const commented = events.find((e) => e.routingKey === 'comment.created')!;
    expect(created.event).toMatchObject({ type: 'post.created', producer: 'post-service', data: { postId: post.id, author, mentionedUserIds: [fan.id] } });
    expect(commented.event).toMatchObject({ type: 'comment.created', data: { commentId: comment.id, postId: post.id, postAuthorId: author.id, author: fan, mentionedUserIds: [author.id] } });

    const { rows } = await h.pool.query<{ id: string; routing_key: string }>(`SELECT id, routing_key FROM ${SCHEMA}.outbox WHERE published_at IS NOT NULL`);
    for (const e of [created, commented]) {
      expect(e.messageId).toBe(e.event.id);
      expect(rows).toContainEqual({ id: e.event.id, routing_key: e.routingKey });
    }
  });

  it('receives user.updated on its users queue: a rename makes the new username mentionable', async () => {
    const writer = aUser({ username: `amqp_w_${suffix}`.slice(0, 32) });
    const renamed = aUser({ username: `amqp_old_${suffix}`.slice(0, 32) });
    await h.register(writer);
    await h.register(renamed);
    const newName = `amqp_new_${suffix}`.slice(0, 32);
    const event = createEvent('user.updated', { userId: renamed.id, changes: { username: newName } }, { producer: 'user-service', occurredAt: new Date(Date.now() + 1_000) });
    await bus.publish([{ routingKey: event.type, messageId: event.id, body: event }]);
    await waitFor(async () => (await h.pool.query(`SELECT username FROM ${SCHEMA}.users WHERE id = $1`, [renamed.id])).rows[0]?.username === newName, 'the rename over RabbitMQ');

    const post = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(writer)), payload: { text: `hello @${newName}` } });
    expect(post.json().post.mentions).toEqual([{ userId: renamed.id, username: newName }]);
  });
});
