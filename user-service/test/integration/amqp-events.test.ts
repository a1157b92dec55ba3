import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEvent, type DomainEvent } from '@herald/contracts';
import { AmqpEventBus } from '@herald/platform';
import { waitFor } from '@herald/platform/testing';
import { bearer, deleteQueueTopology, signUp, startTestService, type TestService } from '../support/test-service.js';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The real path end to end: HTTP → Postgres (domain row + outbox row) → relay → RabbitMQ, read
 * back with plain amqplib from a queue bound to this test's own exchange.
 */
describe('user-service events on RabbitMQ', () => {
  const exchange = `test.user-service.${randomUUID()}`;
  const queue = `${exchange}.probe`;
  let t: TestService;
  let connection: ChannelModel;
  let channel: Channel;
  const received: { routingKey: string; messageId: string; event: DomainEvent }[] = [];

  beforeAll(async () => {
    const bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange, connectionName: 'user-service amqp test' });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchange, 'user.#');
    await channel.consume(queue, (msg) => {
      if (!msg) return;
      received.push({ routingKey: msg.fields.routingKey, messageId: msg.properties.messageId, event: parseEvent(JSON.parse(msg.content.toString())) });
      channel.ack(msg);
    });
    t = await startTestService({ bus });
  });

  afterAll(async () => {
    await t?.close();
    if (t) await deleteQueueTopology(AMQP_URL, t.bouncesQueue);
    await channel?.deleteQueue(queue).catch(() => undefined);
    await channel?.deleteExchange(exchange).catch(() => undefined);
    await connection?.close();
  });

  it('publishes user.registered and user.followed through the outbox', async () => {
    const ana = await signUp(t.app, { username: 'amqp_ana', email: 'amqp_ana@example.com', password: 'ana-password', displayName: 'Ana' });
    const bob = await signUp(t.app, { username: 'amqp_bob', email: 'amqp_bob@example.com', password: 'bob-password' });
    const follow = await t.app.inject({ method: 'POST', url: `/api/v1/users/${ana.user.id}/follow`, headers: bearer(bob.accessToken) });
    expect(follow.statusCode).toBe(204);

    await waitFor(() => received.length >= 3, 'the three events on the probe queue', 10_000);

    expect(received.map((m) => m.routingKey).sort()).toEqual(['user.followed', 'user.registered', 'user.registered']);
    for (const m of received) {
      expect(m.routingKey).toBe(m.event.type);
      expect(m.messageId).toBe(m.event.id);
      expect(m.event.producer).toBe('user-service');
    }
    const registered = received.filter((m) => m.event.type === 'user.registered').map((m) => m.event.data);
    expect(registered).toContainEqual(expect.objectContaining({ userId: ana.user.id, username: 'amqp_ana', displayName: 'Ana', email: 'amqp_ana@example.com' }));
    const followed = received.find((m) => m.event.type === 'user.followed')!.event;
    expect(followed.data).toEqual({ follower: { id: bob.user.id, username: 'amqp_bob', displayName: 'amqp_bob' }, followeeId: ana.user.id });

    // The relay marks rows sent after the broker's confirm, so this can trail the delivery a little.
    await vi.waitFor(async () => {
      const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM "${t.schema}".outbox WHERE published_at IS NULL`);
      expect(rows[0].n).toBe(0);
    });
  });
});
