import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { withTimeout } from './settle.js';

/**
 * Confirmed publishing on one channel. With `mandatory`, a message the broker could not route (its
 * queue was deleted) is returned before it is confirmed; that counts as a failure here, because a
 * confirm alone would report a message that went nowhere as safely stored.
 */
export class ConfirmedPublisher {
  private readonly returned = new Map<string, number>();

  constructor(
    private readonly channel: ConfirmChannel,
    private readonly timeoutMs: number,
  ) {
    channel.on('return', (message: ConsumeMessage) => {
      const key = returnKey(message.fields.exchange, message.fields.routingKey, message.properties);
      this.returned.set(key, (this.returned.get(key) ?? 0) + 1);
    });
  }

  async publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    const confirmed = new Promise<void>((resolve, reject) => {
      this.channel.publish(exchange, routingKey, content, options, (error) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        if (options.mandatory && this.takeReturned(returnKey(exchange, routingKey, options))) {
          return reject(new Error(`message to '${routingKey}' was unroutable (queue missing?)`));
        }
        resolve();
      });
    });
    await withTimeout(confirmed, this.timeoutMs, `broker did not confirm within ${this.timeoutMs} ms`);
  }

  private takeReturned(key: string): boolean {
    const count = this.returned.get(key) ?? 0;
    if (count === 0) return false;
    if (count === 1) this.returned.delete(key);
    else this.returned.set(key, count - 1);
    return true;
  }
}

// Copies with the same target and id go to the same queue, so they are returned together or not at
// all: a count per key is exact enough and needs no correlation header in the message.
function returnKey(exchange: string, routingKey: string, props: { messageId?: string }): string {
  return JSON.stringify([exchange, routingKey, props.messageId ?? null]);
}
