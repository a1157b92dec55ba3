import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { AmqpEventBus, deadLetterQueueName, uuidv7 } from '@herald/platform';
import { queueNames } from '../../src/adapters/bus-consumers.js';
import { messageSent, postLiked } from '../unit/domain/mother.js';
import { count, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';
import { deleteTopology } from '../support/amqp-topology.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The real broker: a malformed event goes to `<queue>.dlq` at once and is counted; the next one is still processed. */
describe('notification-service on RabbitMQ', () => {
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const exchange = `test.notif.events.${suffix}`;
  const workExchange = `test.notif.work.${suffix}`;
  const prefix = `test.${suffix}.`;
  const queues = queueNames(prefix);
  let h: Harness;
  let bus: AmqpEventBus;
  let workBus: AmqpEventBus;
  let connection: ChannelModel;
  let channel: Channel;

  beforeAll(async () => {
    bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange });
    workBus = await AmqpEventBus.connect({ url: AMQP_URL, exchange: workExchange });
    h = await startHarness('notif_amqp', { bus, workBus, queuePrefix: prefix });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
  });

  afterAll(async () => {
    await h?.close();
    await bus?.close();
    await workBus?.close();
    // Every queue the instance declared (events, fan-out and the channel lanes), not only the two this test reads.
    await deleteTopology({ queuePrefix: prefix, exchange, workExchange });
    await connection?.close();
  });

  it('dead-letters a malformed event into <queue>.dlq, counts it, and still processes the valid event after it', async () => {
    const recipient = uuidv7();
    const malformed = { ...postLiked({ postAuthorId: recipient }), id: uuidv7() } as Record<string, unknown>;
    (malformed.data as Record<string, unknown>).postId = 'not-a-uuid';
    const valid = messageSent({ recipientId: recipient });
    await bus.publish([
      { routingKey: 'post.liked', messageId: malformed.id as string, body: malformed },
      { routingKey: 'message.sent', messageId: valid.id, body: valid },
    ]);

    await waitFor(async () => (await count(h.pool, `${SCHEMA}.notifications WHERE recipient_id = $1`, [recipient])) === 1, 'the valid event');
    let dead: GetMessage | false = false;
    await waitFor(async () => Boolean((dead = await channel.get(deadLetterQueueName(queues.events), { noAck: false }))), 'the dead letter');
    const letter = dead as unknown as GetMessage;
    channel.ack(letter);
    expect(JSON.parse(letter.content.toString()).id).toBe(malformed.id);
    expect(letter.properties.headers).toMatchObject({ 'x-dead-letter-reason': 'permanent', 'x-original-routing-key': 'post.liked', 'x-attempts': 1 });
    expect(String(letter.properties.headers?.['x-error'])).toContain('postId');
    expect(await channel.get(deadLetterQueueName(queues.events))).toBe(false);

    const [item] = (await h.service.deps.inbox.list(recipient, { limit: 5 })).items;
    expect(item).toMatchObject({ type: 'message', body: 'Lunch?' });
    const metrics = await h.instances[0]!.registry.metrics();
    expect(metrics).toMatch(/notification_events_malformed_total\{[^}]*\} 1\b/);
  });
});
