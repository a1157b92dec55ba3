import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEvent, parseEvent, type DomainEvent, type EventData } from '@herald/contracts';
import { AmqpEventBus, createMetricsRegistry, deadLetterQueueName } from '@herald/platform';
import { bearer, deleteQueueTopology, signUp, startTestService, type TestService } from '../support/test-service.js';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Profile changes and bounces on the real servers: PATCH → Postgres (row + user.updated in the
 * outbox) → relay → RabbitMQ; and user.address_bounced published on RabbitMQ → the service's own
 * queue → the bounce flags of GET /users/me. The exchange and every queue are this file's own.
 */
describe('user-service profile events and address bounces', () => {
  const suffix = randomBytes(6).toString('hex');
  const exchange = `test.user-service.profile.${suffix}`;
  const probe = `${exchange}.probe`;
  const bouncesQueue = `test.user-service.bounces.${suffix}`;
  const registry = createMetricsRegistry('user-service-profile-test');
  let t: TestService;
  let connection: ChannelModel;
  let channel: Channel;
  const updates: DomainEvent[] = [];

  beforeAll(async () => {
    const bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange, registry, connectionName: 'user-service profile test' });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    await channel.assertQueue(probe, { exclusive: true, autoDelete: true });
    await channel.bindQueue(probe, exchange, 'user.updated');
    await channel.consume(probe, (msg) => {
      if (!msg) return;
      updates.push(parseEvent(JSON.parse(msg.content.toString())));
      channel.ack(msg);
    });
    t = await startTestService({ bus, bouncesQueue });
  });

  afterAll(async () => {
    await t?.close();
    await deleteQueueTopology(AMQP_URL, bouncesQueue);
    await channel?.deleteQueue(probe).catch(() => undefined);
    await channel?.deleteExchange(exchange).catch(() => undefined);
    await connection?.close();
  });

  const patch = (token: string, payload: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(token), payload });
  const me = async (token: string) => (await t.app.inject({ url: '/api/v1/users/me', headers: bearer(token) })).json().user;
  const outboxUpdates = async (userId: string) => {
    const { rows } = await t.pool.query<{ payload: DomainEvent }>(
      `SELECT payload FROM "${t.schema}".outbox WHERE routing_key = 'user.updated' AND payload->'data'->>'userId' = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map((r) => parseEvent(r.payload));
  };
  const acked = async () => (await registry.getSingleMetric('bus_messages_acked_total')!.get()).values.find((v) => v.labels.queue === bouncesQueue)?.value ?? 0;
  /** Publishes a bounce on RabbitMQ and waits until the service has handled (acked) it. */
  const bounce = async (data: EventData<'user.address_bounced'>) => {
    const before = await acked();
    const event = createEvent('user.address_bounced', data, { producer: 'notification-service' });
    await t.bus.publish([{ routingKey: event.type, messageId: event.id, body: event }]);
    await vi.waitFor(async () => expect(await acked()).toBe(before + 1), { timeout: 10_000 });
  };

  it('refuses a phone number that is not a valid E.164 number, naming phone, and changes nothing', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'ph_reg', email: 'ph_reg@example.com', password: 'pa55word!', phone: '(415) 555-0123' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'invalid_request', details: { field: 'phone' } });

    const uma = await signUp(t.app, { username: 'uma_ph', email: 'uma@example.com', password: 'pa55word!', phone: '+14155550100' });
    for (const phone of ['4155550123', '+1 415 555 0123', '+1-415-555-0123', '+15555550100', '+1415555012', '+14155550123 ext. 7', 'call me']) {
      const res = await patch(uma.accessToken, { phone });
      expect(res.statusCode, phone).toBe(400);
      expect(res.json().error, phone).toMatchObject({ code: 'invalid_request', details: { field: 'phone' } });
      expect(res.json().error.message, phone).toMatch(/^phone: /);
    }
    expect((await me(uma.accessToken)).phone).toBe('+14155550100');
    expect(await outboxUpdates(uma.user.id)).toEqual([]);
  });

  it('stores a valid number normalized and publishes user.updated with only what changed; a no-op PATCH emits nothing', async () => {
    const vic = await signUp(t.app, { username: 'vic_ph', email: 'vic@example.com', password: 'pa55word!', displayName: 'Vic' });
    const res = await patch(vic.accessToken, { phone: ' +442079460958 ', displayName: 'Vic', locale: 'en' });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ phone: '+442079460958', displayName: 'Vic', emailBounced: false, phoneBounced: false });

    const [event, ...more] = await outboxUpdates(vic.user.id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ type: 'user.updated', producer: 'user-service', data: { userId: vic.user.id, changes: { phone: '+442079460958' } } });
    expect(Object.keys((event!.data as { changes: object }).changes)).toEqual(['phone']);
    await vi.waitFor(() => expect(updates.map((u) => u.id)).toContain(event!.id), { timeout: 10_000 });

    expect((await patch(vic.accessToken, { phone: '+442079460958', displayName: 'Vic' })).statusCode).toBe(200);
    const cleared = await patch(vic.accessToken, { phone: null, timezone: 'Europe/London' });
    expect(cleared.json().user).toMatchObject({ phone: null, timezone: 'Europe/London' });
    const events = await outboxUpdates(vic.user.id);
    expect(events.map((e) => e.data)).toEqual([
      { userId: vic.user.id, changes: { phone: '+442079460958' } },
      { userId: vic.user.id, changes: { phone: null, timezone: 'Europe/London' } },
    ]);
    expect(Date.parse(events[1]!.occurredAt)).toBeGreaterThan(Date.parse(events[0]!.occurredAt));
  });

  it('flags a bounced address from user.address_bounced only while it is current; a new address clears it', async () => {
    const wes = await signUp(t.app, { username: 'wes_b', email: 'wes@example.com', password: 'pa55word!', phone: '+14155550123' });
    const reader = await signUp(t.app, { username: 'wes_reader', email: 'wes_reader@example.com', password: 'pa55word!' });
    const userId = wes.user.id;
    expect(await me(wes.accessToken)).toMatchObject({ emailBounced: false, phoneBounced: false });

    await bounce({ userId, channel: 'email', address: 'WES@example.com' });
    expect(await me(wes.accessToken)).toMatchObject({ email: 'wes@example.com', emailBounced: true, phoneBounced: false });
    await bounce({ userId, channel: 'email', address: 'wes@example.com' }); // a redelivery changes nothing
    expect(await me(wes.accessToken)).toMatchObject({ emailBounced: true });
    // only the owner sees it
    const seen = await t.app.inject({ url: `/api/v1/users/${userId}`, headers: bearer(reader.accessToken) });
    expect(seen.json().user).not.toHaveProperty('emailBounced');
    expect(seen.json().user).not.toHaveProperty('phoneBounced');
    const found = await t.app.inject({ url: '/api/v1/users?query=wes_b', headers: bearer(reader.accessToken) });
    expect(found.json().items[0]).not.toHaveProperty('emailBounced');

    // a new address clears the flag, and a late bounce of the old one is ignored
    const changed = await patch(wes.accessToken, { email: 'wes@new.example.com' });
    expect(changed.json().user).toMatchObject({ email: 'wes@new.example.com', emailBounced: false });
    await bounce({ userId, channel: 'email', address: 'wes@example.com' });
    expect(await me(wes.accessToken)).toMatchObject({ emailBounced: false });

    // the phone the same way; Slack addresses are not user-service's
    await bounce({ userId, channel: 'sms', address: '+14155550100' });
    await bounce({ userId, channel: 'slack', address: 'https://hooks.slack.com/services/T/B/x' });
    expect(await me(wes.accessToken)).toMatchObject({ emailBounced: false, phoneBounced: false });
    await bounce({ userId, channel: 'sms', address: '+14155550123' });
    expect(await me(wes.accessToken)).toMatchObject({ phoneBounced: true });
    expect((await patch(wes.accessToken, { phone: '+14155550123', displayName: 'Wes' })).json().user).toMatchObject({ phoneBounced: true });
    expect((await patch(wes.accessToken, { phone: null })).json().user).toMatchObject({ phone: null, phoneBounced: false });

    // a bounce for someone unknown is acked and ignored
    await bounce({ userId: '0190c6b4-0000-7000-8000-00000000beef', channel: 'email', address: 'ghost@example.com' });
  });

  it('dead-letters a malformed user.address_bounced at once', async () => {
    const body = { id: '0190c6b4-0000-7000-8000-000000000001', type: 'user.address_bounced', occurredAt: new Date().toISOString(), producer: 'x', version: 1, data: { userId: 'nope' } };
    await t.bus.publish([{ routingKey: 'user.address_bounced', messageId: body.id, body }]);
    await vi.waitFor(async () => expect((await channel.checkQueue(deadLetterQueueName(bouncesQueue))).messageCount).toBe(1), { timeout: 10_000 });
  });
});
