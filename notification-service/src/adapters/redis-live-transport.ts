import type { Redis } from 'ioredis';
import type { Logger } from '@herald/platform';
import type { AddressedFrame } from '../domain/ports.js';
import type { FramesHandler, LiveTransport } from '../live/transport.js';

export interface RedisLiveTransportOptions {
  /** Publishes on this connection; subscribing opens a dedicated duplicate of it. */
  redis: Redis;
  /** Key prefix, e.g. `herald:`; the channel is `<prefix>live:<instanceId>`. */
  prefix: string;
  logger: Logger;
}

/**
 * Live frames between instances over Redis pub/sub: one channel per instance, one PUBLISH per target
 * instance per batch. Pub/sub is fire-and-forget, which is the right trade here: a frame lost while an
 * instance restarts is recovered by the client's resume, and nothing piles up for instances that died.
 */
export class RedisLiveTransport implements LiveTransport {
  constructor(private readonly options: RedisLiveTransportOptions) {}

  channel(instanceId: string): string {
    return `${this.options.prefix}live:${instanceId}`;
  }

  async publish(instanceId: string, frames: readonly AddressedFrame[]): Promise<void> {
    if (frames.length === 0) return;
    await this.options.redis.publish(this.channel(instanceId), JSON.stringify({ v: 1, frames }));
  }

  async subscribe(instanceId: string, onFrames: FramesHandler): Promise<() => Promise<void>> {
    const channel = this.channel(instanceId);
    const { logger } = this.options;
    // A connection in subscriber mode can run no other command, hence its own.
    const subscriber = this.options.redis.duplicate();
    subscriber.on('error', (err) => logger.warn({ err, channel }, 'live subscriber connection error'));
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      const frames = decode(message);
      if (frames) onFrames(frames);
      else logger.warn({ channel, bytes: message.length }, 'ignored a malformed live message');
    });
    try {
      await subscriber.subscribe(channel);
    } catch (err) {
      subscriber.disconnect();
      throw err;
    }
    return async () => {
      try {
        await subscriber.quit();
      } catch {
        subscriber.disconnect();
      }
    };
  }
}

function decode(message: string): AddressedFrame[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, frames } = value as { v?: unknown; frames?: unknown };
  if (v !== 1 || !Array.isArray(frames) || !frames.every(isAddressedFrame)) return undefined;
  return frames;
}

function isAddressedFrame(value: unknown): value is AddressedFrame {
  if (typeof value !== 'object' || value === null) return false;
  const { userId, frame } = value as { userId?: unknown; frame?: { type?: unknown; notification?: { id?: unknown }; count?: unknown } };
  if (typeof userId !== 'string' || typeof frame !== 'object' || frame === null) return false;
  if (frame.type === 'notification') return typeof frame.notification?.id === 'string';
  return frame.type === 'unread_count' && typeof frame.count === 'number';
}
