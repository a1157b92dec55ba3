import amqp, { type ChannelModel } from 'amqplib';
import { deadLetterQueueName, retryQueueName } from '../../src/bus/index.js';
import type { DeadLetterView } from './contract.js';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Direct broker access for what a test must do behind the bus's back: raw publishes, reading DLQs, cleanup. */
export class AmqpAdmin {
  private readonly read = new Map<string, DeadLetterView[]>();

  private constructor(private readonly connection: ChannelModel) {}

  static async connect(url = AMQP_URL): Promise<AmqpAdmin> {
    const connection = await amqp.connect(url);
    connection.on('error', () => undefined);
    return new AmqpAdmin(connection);
  }

  async publishRaw(exchange: string, routingKey: string, content: Buffer): Promise<void> {
    const channel = await this.connection.createConfirmChannel();
    channel.publish(exchange, routingKey, content, { persistent: true });
    await channel.waitForConfirms();
    await channel.close();
  }

  /** Dead letters are taken off `<queue>.dlq` and remembered, so repeated polling sees all of them. */
  async deadLetters(queue: string): Promise<DeadLetterView[]> {
    const seen = this.read.get(queue) ?? [];
    this.read.set(queue, seen);
    const channel = await this.connection.createChannel();
    for (;;) {
      const message = await channel.get(deadLetterQueueName(queue), { noAck: true });
      if (!message) break;
      seen.push({ content: message.content.toString(), headers: { ...message.properties.headers } });
    }
    await channel.close();
    return [...seen];
  }

  /** Each delete on its own channel: a failure closes only that channel. */
  async deleteQueues(queues: string[], retryDelays: number[]): Promise<void> {
    const names = queues.flatMap((q) => [q, deadLetterQueueName(q), ...retryDelays.map((ms) => retryQueueName(q, ms))]);
    await Promise.all(names.map((name) => this.onChannel((channel) => channel.deleteQueue(name))));
  }

  async deleteExchange(exchange: string): Promise<void> {
    await this.onChannel((channel) => channel.deleteExchange(exchange));
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  async onChannel(work: (channel: amqp.Channel) => Promise<unknown>): Promise<void> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}
