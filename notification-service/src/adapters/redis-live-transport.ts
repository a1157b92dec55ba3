import type { Redis } from 'ioredis';
import type { Logger } from '@herald/platform';
import type { AddressedFrame } from '../domain/ports.js';
import type { SessionRevocation } from '../domain/plan.js';
import { isUuid } from '../live/protocol.js';
import { BROADCAST, type FramesHandler, type LiveTransport, type ResyncRequest, type TransportListener } from '../live/transport.js';

export interface RedisLiveTransportOptions {
  /** Publishes on this connection; subscribing opens a dedicated duplicate of it. */
  redis: Redis;
  /** Key prefix, e.g. `herald:`; the channels are `<prefix>live:<instanceId>` and `<prefix>live-all`. */
  prefix: string;
  logger: Logger;
  /**
   * The subscriber connection is pinged this often; one that does not answer within the same time is
   * reconnected. A half-open TCP connection otherwise looks healthy while every message is lost.
   */
  healthCheckMs?: number;
}

/** Resync requests name at most this many users; a larger one means "every socket". */
const MAX_RESYNC_USERS = 10_000;

/**
 * Live frames between instances over Redis pub/sub: one channel per instance, one PUBLISH per target
 * instance per batch, plus one channel every instance hears for resync requests whose targets are
 * unknown. Pub/sub is fire-and-forget, so the subscriber's state is reported (down when its
 * connection closes, up when ioredis has reconnected and resubscribed) and the hub catches its sockets
 * up from the inbox for whatever may have been published meanwhile.
 */
export class RedisLiveTransport implements LiveTransport {
  private connectedOnce = false;

  constructor(private readonly options: RedisLiveTransportOptions) {}

  channel(instanceId: string): string {
    return `${this.options.prefix}live:${instanceId}`;
  }

  get broadcastChannel(): string {
    return `${this.options.prefix}live-all`;
  }

  async publish(instanceId: string, frames: readonly AddressedFrame[]): Promise<boolean> {
    if (frames.length === 0) return true;
    const message = JSON.stringify({ v: 1, frames });
    return (await this.whenConnected((redis) => redis.publish(this.channel(instanceId), message))) > 0;
  }

  async publishResync(target: string, request: ResyncRequest): Promise<boolean> {
    const channel = target === BROADCAST ? this.broadcastChannel : this.channel(target);
    const message = JSON.stringify({ v: 1, resync: true, ...request });
    return (await this.whenConnected((redis) => redis.publish(channel, message))) > 0;
  }

  async publishRevoke(revocation: SessionRevocation): Promise<boolean> {
    const message = JSON.stringify({ v: 1, revoke: true, ...revocation });
    return (await this.whenConnected((redis) => redis.publish(this.broadcastChannel, message))) > 0;
  }

  async probe(): Promise<void> {
    await this.whenConnected((redis) => redis.ping());
  }

  /**
   * Runs the command only if the connection is up. Once it has worked, nothing is left in ioredis's
   * offline queue while it reconnects: a frame published late, after the catch-up its loss caused,
   * would reach the client out of order. Such a frame counts as lost now, and a resync request
   * makes it good. (Before the first success, commands wait for the initial connection as usual.)
   */
  private async whenConnected<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    const { redis } = this.options;
    if (this.connectedOnce && redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`);
    const result = await command(redis);
    this.connectedOnce = true;
    return result;
  }

  async subscribe(instanceId: string, handler: FramesHandler | TransportListener): Promise<() => Promise<void>> {
    const listener: TransportListener = typeof handler === 'function' ? { frames: handler } : handler;
    const own = this.channel(instanceId);
    const all = this.broadcastChannel;
    const { logger } = this.options;
    // A connection in subscriber mode can run no other command, hence its own.
    const subscriber = this.options.redis.duplicate();
    let state: 'subscribing' | 'up' | 'down' | 'stopped' = 'subscribing';
    const health: Health = { lastHeard: Date.now(), hungSince: undefined };
    subscriber.on('error', (err) => logger.warn({ err, channel: own }, 'live subscriber connection error'));
    subscriber.on('message', (from: string, message: string) => {
      health.lastHeard = Date.now();
      if (from !== own && from !== all) return;
      const decoded = decode(message);
      if (decoded?.kind === 'frames' && from === own) listener.frames(decoded.frames);
      else if (decoded?.kind === 'resync') listener.resync?.(decoded.request);
      else if (decoded?.kind === 'revoke' && from === all) listener.revoke?.(decoded.revocation);
      else logger.warn({ channel: from, bytes: message.length }, 'ignored a malformed live message');
    });
    subscriber.on('close', () => {
      if (state !== 'up') return;
      state = 'down';
      const since = health.hungSince;
      health.hungSince = undefined;
      listener.down?.(since);
    });
    subscriber.on('ready', () => {
      if (state !== 'down') return;
      state = 'up';
      // 'ready' comes right after ioredis re-sent its SUBSCRIBE; ours is answered after that one,
      // so when it resolves both channels are live again.
      const subscribed = subscriber.subscribe(own, all).then(() => undefined);
      subscribed.catch((err) => logger.warn({ err, channel: own }, 'live resubscribe failed; retried on the next reconnect'));
      listener.up?.(subscribed);
    });
    try {
      await subscriber.subscribe(own, all);
    } catch (err) {
      subscriber.disconnect();
      throw err;
    }
    state = 'up';
    const watchdog = this.watch(subscriber, own, health, () => state === 'up');
    return async () => {
      state = 'stopped';
      clearInterval(watchdog);
      try {
        await subscriber.quit();
      } catch {
        subscriber.disconnect();
      }
    };
  }

  /**
   * PING works in subscriber mode; no answer in time means the connection is dead though not closed,
   * and messages may have been lost since it was last heard from.
   */
  private watch(subscriber: Redis, channel: string, health: Health, isUp: () => boolean): NodeJS.Timeout {
    const periodMs = this.options.healthCheckMs ?? 5_000;
    let checking = false;
    return setInterval(() => {
      if (checking || !isUp()) return;
      checking = true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PING answer within ${periodMs} ms`)), periodMs);
      });
      const asked = Date.now();
      Promise.race([subscriber.ping(), timeout])
        .then(() => {
          health.lastHeard = Math.max(health.lastHeard, asked);
        })
        .catch((err) => {
          if (!isUp()) return;
          this.options.logger.warn({ err, channel }, 'live subscriber stopped answering: reconnecting it');
          health.hungSince = health.lastHeard;
          subscriber.disconnect(true);
        })
        .finally(() => {
          clearTimeout(timer);
          checking = false;
        });
    }, periodMs).unref();
  }
}

/** When the subscriber was last known to receive, and whether it was found hung. */
interface Health {
  lastHeard: number;
  hungSince: number | undefined;
}

type Decoded =
  | { kind: 'frames'; frames: AddressedFrame[] }
  | { kind: 'resync'; request: ResyncRequest }
  | { kind: 'revoke'; revocation: SessionRevocation }
  | undefined;

function decode(message: string): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, frames, resync, revoke } = value as { v?: unknown; frames?: unknown; resync?: unknown; revoke?: unknown };
  if (v !== 1) return undefined;
  if (revoke === true) {
    const revocation = sessionRevocation(value as Record<string, unknown>);
    return revocation && { kind: 'revoke', revocation };
  }
  if (resync === true) {
    const request = resyncRequest(value as Record<string, unknown>);
    return request && { kind: 'resync', request };
  }
  if (!Array.isArray(frames) || !frames.every(isAddressedFrame)) return undefined;
  return { kind: 'frames', frames };
}

function sessionRevocation(value: Record<string, unknown>): SessionRevocation | undefined {
  const { userId, sessionIds, keepSessionId } = value;
  if (!isUuid(userId)) return undefined;
  if (sessionIds !== undefined && (!Array.isArray(sessionIds) || !sessionIds.every(isUuid))) return undefined;
  if (keepSessionId !== undefined && !isUuid(keepSessionId)) return undefined;
  return { userId, ...(sessionIds ? { sessionIds: sessionIds as string[] } : {}), ...(keepSessionId ? { keepSessionId } : {}) };
}

function resyncRequest(value: Record<string, unknown>): ResyncRequest | undefined {
  const { from, users, after } = value;
  if (typeof from !== 'string') return undefined;
  if (after !== undefined && !isUuid(after)) return undefined;
  if (users !== undefined && (!Array.isArray(users) || !users.every((u) => typeof u === 'string'))) return undefined;
  const request: ResyncRequest = { from };
  // An oversized list is read as "every socket": more work for the receiver, never a gap.
  if (users !== undefined && users.length <= MAX_RESYNC_USERS) request.users = users;
  if (after !== undefined) request.after = after.toLowerCase();
  return request;
}

function isAddressedFrame(value: unknown): value is AddressedFrame {
  if (typeof value !== 'object' || value === null) return false;
  const { userId, frame } = value as { userId?: unknown; frame?: { type?: unknown; notification?: { id?: unknown }; count?: unknown } };
  if (typeof userId !== 'string' || typeof frame !== 'object' || frame === null) return false;
  if (frame.type === 'notification') return typeof frame.notification?.id === 'string';
  return frame.type === 'unread_count' && typeof frame.count === 'number';
}
