import amqp from 'amqplib';
import { waitFor } from './wait.js';

export interface TappedEvent {
  routingKey: string;
  body: { id: string; type: string; data: Record<string, unknown> } & Record<string, unknown>;
}

/** A temporary queue bound to an exchange with '#': what a new consumer of herald.events would see. */
export async function tapEvents(url: string, exchange: string) {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, exchange, '#');
  const events: TappedEvent[] = [];
  await ch.consume(queue, (msg) => {
    if (!msg) return;
    events.push({ routingKey: msg.fields.routingKey, body: JSON.parse(msg.content.toString()) });
    ch.ack(msg);
  });
  return {
    events,
    async waitFor(type: string, match: (e: TappedEvent) => boolean = () => true) {
      return waitFor(() => events.find((e) => e.routingKey === type && match(e)), { what: `event ${type}` });
    },
    async close() {
      await ch.close().catch(() => {});
      await conn.close().catch(() => {});
    },
  };
}
