import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Registry } from 'prom-client';
import type { RawData, WebSocket } from 'ws';
import type { AccessClaims, Logger, TokenVerifier } from '@herald/platform';
import { routeFrames } from '../domain/live-routing.js';
import type { AddressedFrame, Clock, Presence } from '../domain/ports.js';
import type { SessionRevocation } from '../domain/plan.js';
import { lowerBoundId } from './catch-up.js';
import { SessionCatchUps } from './catch-ups.js';
import { handleClientFrame } from './client-frames.js';
import { Heartbeat } from './heartbeat.js';
import { HelloBatcher } from './hello-batcher.js';
import type { HubContext, LiveInbox } from './hub-context.js';
import { LocalSessions } from './local-sessions.js';
import { liveMetrics, type LiveMetrics, type ResyncReason } from './metrics.js';
import { resolveLiveOptions, type LiveOptions } from './options.js';
import { PresenceKeeper, within } from './presence-keeper.js';
import { CLOSE, encodeLive } from './protocol.js';
import { Resync, type ResyncHost } from './resync.js';
import { registerWsRoute, type AnyFastify, type WsRouteHost } from './routes.js';
import { Session, type SessionHost } from './session.js';
import { BROADCAST, type LiveTransport, type ResyncRequest } from './transport.js';

export interface LiveHubDeps {
  instanceId: string;
  presence: Presence;
  transport: LiveTransport;
  inbox: LiveInbox;
  verifier: TokenVerifier;
  logger: Logger;
  registry: Registry;
  options?: Partial<LiveOptions>;
  clock?: Clock;
}

export interface LiveHubStats {
  instanceId: string;
  sockets: number;
  users: number;
  /** Redis failed and has not been seen working since (local sockets will catch up). */
  redisTrouble?: boolean;
  /** Instances (or the broadcast) still owed a resync request. */
  resyncsOwed?: number;
  /** Sockets waiting for or running a server catch-up. */
  catchUps?: number;
}

export interface LiveHub {
  /** Registers @fastify/websocket and GET /ws on the service's app. */
  registerRoutes(app: AnyFastify): Promise<void>;
  /** Writes to local sockets, publishes the rest once per instance; returns who is online anywhere. */
  deliver(frames: readonly AddressedFrame[]): Promise<{ online: Set<string> }>;
  /** Who of these has a live session anywhere (local sockets, then one presence lookup). */
  whoIsOnline(userIds: readonly string[]): Promise<Set<string>>;
  /** Closes the sockets of ended sessions with 4401, here and (through the transport) on every instance. */
  revoke(revocation: SessionRevocation): Promise<void>;
  /**
   * The sockets of these users, here and on every instance holding them, may have missed frames of
   * notifications newer than `after` (undefined: only unread counts): they catch up from the inbox.
   */
  catchUpUsers(userIds: readonly string[], after: string | undefined): Promise<void>;
  /** Subscribes to this instance's frames and starts the heartbeat and presence refresh. */
  start(): Promise<void>;
  /** Closes every socket (1012: reconnect and resume), unsubscribes, and removes this instance's presence. */
  close(): Promise<void>;
  stats(): LiveHubStats;
}

export function createLiveHub(deps: LiveHubDeps): LiveHub {
  return new Hub(deps);
}

/**
 * The live layer of one instance: the sockets it holds, their presence in the shared registry, and
 * the routing of frames to them or to the instances holding the rest (docs/notification-service.md).
 */
class Hub implements LiveHub, SessionHost, HubContext, WsRouteHost, ResyncHost {
  readonly options: LiveOptions;
  readonly metrics: LiveMetrics;
  readonly inbox: LiveInbox;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly verifier: TokenVerifier;
  private readonly sessions = new LocalSessions();
  private readonly presence: PresenceKeeper;
  private readonly resync: Resync;
  private readonly catchUps: SessionCatchUps;
  private readonly hellos: HelloBatcher;
  private readonly heartbeat: Heartbeat;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => Promise<void>) | undefined;
  private closing = false;

  constructor(private readonly deps: LiveHubDeps) {
    this.options = resolveLiveOptions(deps.options);
    this.metrics = liveMetrics(deps.registry, () => this.sessions.size);
    this.inbox = deps.inbox;
    this.logger = deps.logger.child({ component: 'live', instanceId: deps.instanceId });
    this.clock = deps.clock ?? { now: () => new Date() };
    this.verifier = deps.verifier;
    this.presence = new PresenceKeeper(deps.presence, deps.instanceId, this.logger, (userId) => this.sessions.countFor(userId));
    this.resync = new Resync(this);
    this.catchUps = new SessionCatchUps(this, this.options.resyncConcurrency);
    this.heartbeat = new Heartbeat(this.sessions, this.metrics);
    this.hellos = new HelloBatcher({
      presence: this.presence,
      inbox: this.inbox,
      logger: this.logger,
      countFor: (userId) => this.sessions.countFor(userId),
      greeted: (session) => (session.hasPending ? this.catchUps.enqueue(session) : session.goLive()),
    });
  }

  get instanceId(): string {
    return this.deps.instanceId;
  }

  get transport(): LiveTransport {
    return this.deps.transport;
  }

  registerRoutes(app: AnyFastify): Promise<void> {
    return registerWsRoute(app, this);
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.transport.subscribe(this.deps.instanceId, {
      frames: (frames) => this.writeLocal(frames),
      resync: (request) => this.resync.received(request),
      down: (since) => this.resync.subscriberDown(since),
      up: (subscribed) => this.resync.subscriberRestored(subscribed),
      revoke: (revocation) => this.closeRevoked(revocation),
    });
    this.timers.push(
      setInterval(() => this.heartbeat.beat(), Heartbeat.intervalMs(this.options.heartbeatMs)).unref(),
      setInterval(() => void this.refreshPresence(), this.options.presenceRefreshMs).unref(),
    );
  }

  async deliver(frames: readonly AddressedFrame[]): Promise<{ online: Set<string> }> {
    const online = this.writeLocal(frames);
    if (frames.length === 0) return { online };
    let remote: Map<string, string[]>;
    try {
      remote = await this.presence.elsewhere([...new Set(frames.map((f) => f.userId))]);
    } catch (err) {
      // Which instances hold these users is unknown, so every instance is asked to catch them up.
      this.logger.warn({ err }, 'presence unreadable: frames reached local sockets only; all instances will catch these users up');
      this.resync.failed('presence', { target: BROADCAST, frames });
      return { online };
    }
    for (const userId of remote.keys()) online.add(userId);
    await Promise.all([...routeFrames(frames, remote)].map(([instanceId, batch]) => this.publish(instanceId, batch)));
    this.resync.worked();
    return { online };
  }

  async whoIsOnline(userIds: readonly string[]): Promise<Set<string>> {
    const online = new Set(userIds.filter((u) => this.sessions.of(u)));
    if (userIds.length === 0) return online;
    try {
      for (const userId of (await this.presence.elsewhere(userIds)).keys()) online.add(userId);
    } catch (err) {
      // Unknown means "away" here: the worst case is a timer that the settle after the push clears.
      this.logger.warn({ err }, 'presence unreadable before a delivery: only local sessions count as online');
    }
    return online;
  }

  async catchUpUsers(userIds: readonly string[], after: string | undefined): Promise<void> {
    const users = [...new Set(userIds)];
    if (users.length === 0 || this.closing) return;
    const local = users.filter((userId) => this.sessions.of(userId));
    if (local.length > 0) {
      this.metrics.resyncs.inc({ reason: 'missed_push' });
      this.catchUp('missed_push', { users: local, ...(after === undefined ? {} : { after }) });
    }
    let remote: Map<string, string[]>;
    try {
      remote = await this.presence.elsewhere(users);
    } catch (err) {
      this.logger.warn({ err }, 'presence unreadable: every instance is asked to catch these users up');
      this.resync.failed('presence');
      this.resync.owe(BROADCAST, users, after);
      return;
    }
    const byInstance = new Map<string, string[]>();
    for (const [userId, instances] of remote) {
      for (const instanceId of instances) {
        const batch = byInstance.get(instanceId);
        if (batch) batch.push(userId);
        else byInstance.set(instanceId, [userId]);
      }
    }
    for (const [instanceId, batch] of byInstance) this.resync.owe(instanceId, batch, after);
  }

  async revoke(revocation: SessionRevocation): Promise<void> {
    this.closeRevoked(revocation);
    try {
      await within(this.deps.transport.publishRevoke(revocation), 'live revoke');
    } catch (err) {
      // The sockets elsewhere still close when their tokens expire (ACCESS_TOKEN_TTL_SECONDS).
      this.logger.warn({ err, userId: revocation.userId }, 'could not tell other instances about ended sessions');
    }
  }

  /** Closes this instance's sockets of the revoked sessions; a socket whose token names no session ends only with "all". */
  private closeRevoked({ userId, sessionIds, keepSessionId }: SessionRevocation): void {
    const sessions = this.sessions.of(userId);
    if (!sessions) return;
    const ended = sessionIds ? new Set(sessionIds) : undefined;
    for (const session of [...sessions]) {
      const sid = session.authSessionId;
      const match = ended ? sid !== undefined && ended.has(sid) : sid === undefined || sid !== keepSessionId;
      if (!match) continue;
      this.metrics.tokenCloses.inc({ reason: 'revoked' });
      session.close(CLOSE.UNAUTHORIZED, 'session ended: log in again');
    }
  }

  private async publish(instanceId: string, batch: AddressedFrame[]): Promise<void> {
    // Issued first on the same connection, so an owed request reaches the instance before these frames.
    const owed = this.resync.sendOwed(instanceId);
    try {
      if (!(await within(this.deps.transport.publish(instanceId, batch), 'live publish'))) this.resync.unheard(instanceId, batch);
    } catch (err) {
      this.logger.warn({ err, to: instanceId }, 'live publish failed; the instance will be asked to catch up');
      this.resync.failed('publish', { target: instanceId, frames: batch });
    }
    await owed;
  }

  stats(): LiveHubStats {
    return {
      instanceId: this.deps.instanceId,
      sockets: this.sessions.size,
      users: this.sessions.users,
      redisTrouble: this.resync.inTrouble,
      resyncsOwed: this.resync.owedCount,
      catchUps: this.catchUps.count,
    };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    this.resync.stop();
    this.catchUps.close();
    this.presence.stop();
    const users = this.sessions.userIds();
    await this.closeSessions();
    await this.unsubscribe?.().catch((err) => this.logger.warn({ err }, 'live unsubscribe failed'));
    await this.presence.releaseAll(users);
  }

  // --- sockets -------------------------------------------------------------------------------

  /** Sockets of the user here and on every other live instance (the cap is per user, not per instance). */
  async sessionCount(userId: string): Promise<number> {
    const here = this.sessions.countFor(userId);
    return here + (await this.presence.countElsewhere(userId));
  }

  accept(socket: WebSocket, claims: AccessClaims): void {
    const session = new Session(socket, claims.userId, randomUUID(), this);
    session.authSessionId = claims.sessionId;
    if (this.closing || this.sessions.countFor(claims.userId) >= this.options.maxSessionsPerUser) {
      session.close(this.closing ? CLOSE.RESTARTING : CLOSE.POLICY, this.closing ? 'server restarting' : 'too many sessions');
      return;
    }
    const first = this.sessions.add(session);
    this.heartbeat.assign(session);
    if (claims.expiresAt !== undefined) this.closeAtExpiry(session, claims.expiresAt);
    if (this.resync.inTrouble) session.markGap();
    // Presence (and the socket count) is registered and hello sent with the other sockets opening now.
    this.hellos.add(session, first);
  }

  /** A token must not outlive its expiry on an open socket: at `exp` the socket closes with 4401. */
  private closeAtExpiry(session: Session, expiresAt: number): void {
    const expire = () => {
      this.metrics.tokenCloses.inc({ reason: 'expired' });
      session.close(CLOSE.UNAUTHORIZED, 'access token expired: refresh it and reconnect');
    };
    const inMs = expiresAt - this.clock.now().getTime();
    if (inMs <= 0) return expire();
    // setTimeout holds at most 2^31-1 ms (24.8 days); tokens live far shorter (ACCESS_TOKEN_TTL_SECONDS).
    session.expiry = setTimeout(expire, Math.min(inMs, 2 ** 31 - 1)).unref();
  }

  detach(session: Session): void {
    clearTimeout(session.expiry);
    session.expiry = undefined;
    const { removed } = this.sessions.remove(session);
    // Its count, and its release once the user has no socket left here, go out on the next turn.
    if (removed && !this.closing) this.presence.noteCount(session.userId);
  }

  onFrame(session: Session, data: RawData, isBinary: boolean): void {
    handleClientFrame(this, session, data, isBinary).catch((err) =>
      this.logger.error({ err, sessionId: session.id }, 'client frame handling failed'),
    );
  }

  onSocketError(session: Session, err: Error): void {
    // ws reports protocol errors (oversized frame: 1009, bad UTF-8) here and closes the socket itself.
    this.logger.debug({ err, sessionId: session.id, userId: session.userId }, 'socket error');
  }

  async closeSessions(): Promise<void> {
    const sockets: WebSocket[] = [];
    for (const session of this.sessions.all()) {
      sockets.push(session.socket);
      session.close(CLOSE.RESTARTING, 'server restarting: reconnect and resume');
    }
    const open = sockets.filter((s) => s.readyState !== s.CLOSED);
    if (open.length === 0) return;
    const timeout = new Promise((resolve) => setTimeout(resolve, this.options.closeGraceMs).unref());
    await Promise.race([Promise.all(open.map((s) => once(s, 'close'))), timeout]);
    for (const socket of open) if (socket.readyState !== socket.CLOSED) socket.terminate();
  }

  // --- catching up after Redis trouble -------------------------------------------------------

  markGaps(after?: string): void {
    for (const session of this.sessions.all()) session.markGap(after);
  }

  /**
   * After this instance's own trouble its users are registered again before any query runs: entries
   * may have expired meanwhile, and frames are routed here only once they are back.
   */
  catchUp(reason: ResyncReason, request: Omit<ResyncRequest, 'from'> = {}, ready?: Promise<unknown>): void {
    const sessions = request.users ? request.users.flatMap((userId) => [...(this.sessions.of(userId) ?? [])]) : this.sessions.all();
    const waits: Promise<unknown>[] = ready ? [ready] : [];
    if (reason === 'subscriber_reconnect' || reason === 'redis_recovered') waits.push(within(this.refreshPresence(0), 'presence re-register'));
    this.catchUps.request(sessions, request.after, this.resync.inTrouble, waits);
  }

  // --- frames and timers ---------------------------------------------------------------------

  /**
   * Each frame is encoded once and the same bytes go to every session of its user. Sockets are corked
   * for the batch, so all frames a session gets from one delivery go out in a single write.
   */
  private writeLocal(frames: readonly AddressedFrame[]): Set<string> {
    const online = new Set<string>();
    const corked: Session[] = [];
    try {
      for (const { userId, frame } of frames) {
        const sessions = this.sessions.of(userId);
        if (!sessions) continue;
        if (!online.has(userId)) {
          online.add(userId);
          for (const session of sessions) {
            session.cork();
            corked.push(session);
          }
        }
        const out = encodeLive(frame);
        for (const session of sessions) session.push(out);
      }
    } finally {
      for (const session of corked) session.uncork();
    }
    return online;
  }

  /**
   * Re-registers every local user. A user whose entry had vanished (Redis lost its keys, or the entry
   * expired) got no frames from other instances since it was last seen, at most two periods ago:
   * their sockets catch up from then.
   */
  private async refreshPresence(spreadMs = this.options.presenceRefreshMs / 2): Promise<void> {
    const since = this.clock.now().getTime() - 2 * this.options.presenceRefreshMs;
    const found = await this.presence.refresh(this.sessions.userIds(), spreadMs);
    // Users whose sockets all wait for hello are not lost: their batch registers them before reading the head.
    const lost = found.filter((userId) => [...(this.sessions.of(userId) ?? [])].some((s) => s.state !== 'opening'));
    if (lost.length === 0 || this.closing) return;
    this.logger.warn({ users: lost.length }, 'presence entries had vanished; those users\' sockets catch up from the inbox');
    this.metrics.resyncs.inc({ reason: 'presence_lost' });
    this.catchUp('presence_lost', { users: lost, after: lowerBoundId(since) });
  }
}
