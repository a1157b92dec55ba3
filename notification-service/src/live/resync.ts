import type { Logger } from '@herald/platform';
import type { AddressedFrame } from '../domain/ports.js';
import { idBefore, lowerBoundId, oldestNotificationId } from './catch-up.js';
import type { LiveMetrics, RedisOp, ResyncReason } from './metrics.js';
import { OwedResyncs, type OwedResync } from './owed-resyncs.js';
import { within } from './presence-keeper.js';
import { BROADCAST, type LiveTransport, type ResyncRequest } from './transport.js';

/** What the resync logic needs from the hub. */
export interface ResyncHost {
  readonly instanceId: string;
  readonly transport: LiveTransport;
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
  /** Every local socket notes where it stands: frames meant for it may be lost from now on (or since `after`). */
  markGaps(after?: string): void;
  /** Catches sockets up from the inbox (only these users' when named); no query starts before `ready` settles. */
  catchUp(reason: ResyncReason, request?: Omit<ResyncRequest, 'from'>, ready?: Promise<unknown>): void;
}

/** While in trouble, or owing requests, Redis is probed this often. */
export const PROBE_MS = 1_000;

/**
 * Knows when this instance may have lost live frames and makes every socket concerned catch up:
 *
 * - its subscriber dropped: all local sockets catch up once it is subscribed again;
 * - a PUBLISH failed, a presence lookup failed, or the probe failed ("trouble"): local sockets catch
 *   up once a probe works again (and the subscriber is up), and the instances that missed frames are
 *   owed a resync request: the target of a failed PUBLISH, or everyone (BROADCAST) when the lookup
 *   that would have named the targets failed;
 * - a PUBLISH reached no subscriber (the target is reconnecting, or gone): the target is owed a
 *   request, which is retried until heard or given up on (OwedResyncs).
 *
 * Nothing here costs a Redis round trip while everything works: the probe timer runs only while
 * something is owed or wrong.
 */
export class Resync {
  private troubled = false;
  private subscriberUp = true;
  private readonly owed = new OwedResyncs();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;

  constructor(
    private readonly host: ResyncHost,
    private readonly probeMs = PROBE_MS,
  ) {}

  get inTrouble(): boolean {
    return this.troubled;
  }

  get owedCount(): number {
    return this.owed.size;
  }

  /** A Redis operation failed; `lost`: frames that did not reach `target` (an instance, or BROADCAST). */
  failed(op: RedisOp, lost?: { target: string; frames: readonly AddressedFrame[] }): void {
    this.host.metrics.redisFailures.inc({ op });
    if (lost) this.oweFor(lost.target, lost.frames);
    this.enterTrouble();
  }

  /**
   * The sockets of `users` on `target` (an instance, or BROADCAST) may have missed frames for
   * notifications newer than `after` (undefined: only unread counts): a request is owed and sent now.
   */
  owe(target: string, users: Iterable<string>, after: string | undefined): void {
    this.owed.owe(target, users, after);
    this.schedule();
    void this.tick();
  }

  /** Published, but nobody was subscribed: the target is owed a request; Redis itself is fine. */
  unheard(target: string, frames: readonly AddressedFrame[]): void {
    this.oweFor(target, frames);
    this.schedule();
  }

  /** A Redis round trip just worked: settle now rather than at the next probe. */
  worked(): void {
    if (this.troubled || this.owed.size > 0) void this.tick();
  }

  /**
   * Publishes what is owed to `target` (and to everyone) now. Called right before its frames on the
   * same connection, so the request arrives first and the receiver's catch-up holds those frames
   * behind its replay, keeping them in order.
   */
  sendOwed(target: string): Promise<boolean> | undefined {
    if (this.owed.size === 0 || (!this.owed.has(target) && !this.owed.has(BROADCAST))) return undefined;
    return this.sendAll([...this.owed.take(target), ...this.owed.take(BROADCAST)]);
  }

  subscriberDown(since?: number): void {
    this.subscriberUp = false;
    this.host.metrics.redisFailures.inc({ op: 'subscriber' });
    this.enterTrouble(since === undefined ? undefined : lowerBoundId(since));
  }

  /** Whatever was published to us meanwhile is lost: every socket catches up, once resubscribed. */
  subscriberRestored(subscribed: Promise<void>): void {
    this.subscriberUp = true;
    this.troubled = false;
    this.host.metrics.resyncs.inc({ reason: 'subscriber_reconnect' });
    this.host.catchUp('subscriber_reconnect', {}, subscribed);
    this.worked();
  }

  received(request: ResyncRequest): void {
    if (request.from === this.host.instanceId || this.stopped) return;
    this.host.metrics.resyncs.inc({ reason: 'requested' });
    this.host.catchUp('requested', { users: request.users, after: request.after });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private enterTrouble(lostSince?: string): void {
    if (!this.troubled || lostSince !== undefined) this.host.markGaps(lostSince);
    this.troubled = true;
    this.schedule();
  }

  private schedule(): void {
    if (!this.timer && !this.stopped) this.timer = setInterval(() => void this.tick(), this.probeMs).unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      await within(this.host.transport.probe(), 'redis probe');
      if (!(await this.sendAll(this.owed.take()))) return;
      if (this.troubled && this.subscriberUp && !this.stopped) {
        this.troubled = false;
        this.host.metrics.resyncs.inc({ reason: 'redis_recovered' });
        this.host.catchUp('redis_recovered');
      }
    } catch (err) {
      this.host.logger.debug({ err }, 'redis probe failed; live sockets catch up once it works');
      this.failed('probe');
    } finally {
      this.ticking = false;
      if (!this.troubled && this.owed.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }
  }

  /** True when none failed (unheard ones are put back for the next probe, or given up on). */
  private async sendAll(entries: OwedResync[]): Promise<boolean> {
    const results = await Promise.all(entries.map((entry) => this.send(entry)));
    return results.every(Boolean);
  }

  private async send(entry: OwedResync): Promise<boolean> {
    const request: ResyncRequest = { from: this.host.instanceId };
    if (entry.users) request.users = [...entry.users];
    if (entry.after !== undefined) request.after = entry.after;
    try {
      if (await within(this.host.transport.publishResync(entry.target, request), 'live resync publish')) {
        this.host.metrics.resyncRequestsSent.inc();
      } else if (!this.owed.restore(entry, true)) {
        this.host.logger.info({ to: entry.target }, 'no subscriber heard the resync request; the instance is gone');
      }
      return true;
    } catch (err) {
      this.host.logger.warn({ err, to: entry.target }, 'resync request could not be published; retrying');
      this.owed.restore(entry, false);
      this.failed('publish');
      return false;
    }
  }

  private oweFor(target: string, frames: readonly AddressedFrame[]): void {
    const oldest = oldestNotificationId(frames);
    this.owed.owe(target, new Set(frames.map((f) => f.userId)), oldest === undefined ? undefined : idBefore(oldest));
    if (this.owed.size > 0) this.schedule();
  }
}
