import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.js';
import { compareIds, earlierCursor, replacedIdsOf, seqOf } from './ids.js';
import {
  BEARER_PREFIX,
  BEARER_SUBPROTOCOL,
  CLOSE_CODES,
  GAP_LOOKBACK_MS,
  LIVE_PATH,
  MAX_READ_IDS,
  type ClientFrame,
  type ErrorFrameCode,
  type Notification,
  type ServerFrame,
} from './protocol.js';
import { frameText } from './text.js';

/**
 * HeraldClient: one person's live socket to Herald (`/ws`, docs/protocol.md and docs/client.md).
 * It owns reconnection with backoff, resume after the newest id it has seen, de-duplication,
 * group successors, gap repair on the per-person `seq` numbers, the unread badge, token refresh on
 * 4401 and the ping that finds dead sockets. It is the logic of web-demo/public/live.js, typed and
 * without a DOM: it needs a WebSocket constructor (given, or globalThis.WebSocket) and timers.
 */

/**
 * connecting: the first connection is being opened. live: open (and, on a first connection, any
 * resume runs unseen). reconnecting: lost, waiting `retryInMs` or opening again. catching_up: open
 * again, the replay of what was missed is running. caught_up: that replay has ended (live from here).
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'catching_up' | 'caught_up' | 'stopped';

/**
 * The part of a WebSocket the client uses: the browser's, the `ws` package's and React Native's
 * all fit. Handlers are declared as methods so any of their event types is accepted.
 */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onerror: Handler<unknown> | null;
  onclose: Handler<{ code?: number; reason?: string }> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export type WebSocketConstructorLike = new (url: string, protocols?: string | string[]) => object;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Why a token is asked for. `unauthorized`: the last one was refused (the socket closed with 4401:
 * it expired or its session ended), so return a refreshed one, not the same again.
 */
export interface TokenRequest {
  reason: 'connect' | 'reconnect' | 'unauthorized';
}

export interface HeraldClientOptions {
  /**
   * The live endpoint: `wss://host/ws`, or the gateway's base URL (`https://host`, which becomes
   * `wss://host/ws`). Never with a token in it: the token rides in the subprotocol. A function is
   * called on every (re)connect.
   */
  url: string | (() => string);
  /** An access token for the next connection; called before each one (see TokenRequest). */
  getToken(request: TokenRequest): string | Promise<string>;
  /** Default: globalThis.WebSocket (browsers, React Native, Node 22+); in Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructorLike;
  /** Client ping period (ms), default 25,000. */
  pingIntervalMs?: number;
  /** No pong by then (ms, default 10,000): the socket is presumed dead and replaced. */
  pongTimeoutMs?: number;
  /** Reconnect delays: default 500 ms doubling to 30 s, full jitter. */
  backoff?: Partial<BackoffOptions>;
  /** How long a missing seq may lag behind a later one before it counts as a gap (ms, default 2,000). */
  gapGraceMs?: number;
  random?: () => number;
  timers?: Timers;
  /** Where an exception thrown by a listener goes (default console.error). */
  onListenerError?(error: unknown, event: keyof HeraldClientEvents): void;
}

export interface NotificationEvent {
  notification: Notification;
  /** False for a new version of an item already delivered, and for a group successor replacing one. */
  isNew: boolean;
  /** The ids this item replaces (`data.replaces`, or else the older unread items of its `groupKey` the client knows). */
  replaces: string[];
}

export interface UnreadEvent {
  count: number;
  /** What set it: the server (`hello`, `unread_count`), or a local step until the server's next count. */
  cause: 'hello' | 'unread_count' | 'notification' | 'read';
}

export interface StatusEvent {
  state: LiveState;
  /** Reconnect attempts since the last open socket. */
  attempt: number;
  /** reconnecting: the wait before the next attempt. */
  retryInMs?: number;
  /** reconnecting: how the last socket closed (CLOSE_CODES), when it was open. */
  closeCode?: number;
}

/** seq numbers that did not arrive within the grace; a resume is on its way. */
export interface GapEvent {
  from: number;
  to: number;
}

export interface ErrorEvent {
  /** An error frame's code, or `token_unavailable` when getToken threw or returned no token. */
  code: ErrorFrameCode | 'token_unavailable';
  message: string;
  cause?: unknown;
}

export interface HelloEvent {
  sessionId: string;
  unreadCount: number;
  seq?: number;
}

export interface ConnectFailedEvent {
  attempt: number;
  code?: number;
  error?: unknown;
}

export interface HeraldClientEvents {
  notification: NotificationEvent;
  unread: UnreadEvent;
  status: StatusEvent;
  gap: GapEvent;
  error: ErrorEvent;
  hello: HelloEvent;
  /** Every known server frame as it arrived, duplicates included. */
  frame: ServerFrame;
  /** A socket that never opened (a refused upgrade looks like this too). */
  connect_failed: ConnectFailedEvent;
  /** The socket closed with 4401; the client is fetching a new token and reconnecting. */
  unauthorized: { code: 4401 };
}

export type HeraldClientEvent = keyof HeraldClientEvents;

const OPEN = 1;
/** Ids remembered for de-duplication and the badge; the oldest are forgotten first. */
const SEEN_LIMIT = 2000;
/** The seq -> id map is bounded like the seen map. */
const SEQ_LIMIT = 2000;
/** The client's own close when no pong came back (not a server code: 4000-4999 are the application's). */
const PONG_TIMEOUT_CLOSE = 4000;

interface Seen {
  fingerprint: string;
  unread: boolean;
  groupKey: string | undefined;
}

type Listener<K extends HeraldClientEvent> = (event: HeraldClientEvents[K]) => void;

export class HeraldClient {
  private readonly url: string | (() => string);
  private readonly getToken: HeraldClientOptions['getToken'];
  private readonly WebSocketCtor: WebSocketConstructorLike | undefined;
  private readonly random: () => number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly gapGraceMs: number;
  private readonly timers: Timers;
  private readonly onListenerError: NonNullable<HeraldClientOptions['onListenerError']>;

  private stateValue: LiveState = 'stopped';
  private newest: string | null = null;
  private attempt = 0;
  private ws: WebSocketLike | null = null;
  private running = false;
  private everConnected = false;
  /** Bumped by every connection attempt and by stop(): a token that arrives late for an old one is dropped. */
  private generation = 0;
  /** Waiting for getToken before opening a socket. */
  private awaitingToken = false;
  /** The last socket closed with 4401: the next token must be a new one. */
  private tokenRefused = false;
  /** 4401 closes since the last hello; past the first, reconnects wait their backoff. */
  private unauthorizedStreak = 0;
  /**
   * A resume whose replay has not ended yet: it ends with the pong to the ping numbered `untilPong`
   * (pings are answered in order). `visible`: shown as catching_up / caught_up.
   */
  private catchUp: { untilPong: number; visible: boolean } | null = null;
  private pingsSent = 0;
  private pongsReceived = 0;
  /** id -> the version last seen; bounded, oldest forgotten first. */
  private readonly seen = new Map<string, Seen>();
  private readonly listeners = new Map<HeraldClientEvent, Set<(event: never) => void>>();
  private reconnectTimer: unknown = null;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;

  // Gap detection on the stream's numbers (reset by resetSeq()).
  /** Every seq up to this one has arrived or is settled; null: not known yet. */
  private contiguous: number | null = null;
  /** The highest seq seen (0: none). */
  private maxSeq = 0;
  /** seq -> notification id, to resume after the item at `contiguous`; bounded, oldest forgotten first. */
  private readonly seqIds = new Map<number, string>();
  /** `seq` of this socket's hello, settled by the catch-up that follows a reconnect. */
  private helloSeq: number | null = null;
  private gapTimer: unknown = null;
  /** The `contiguous` the running grace timer waits to see passed. */
  private gapTimerAt: number | null = null;

  // The unread badge.
  private unread: number | null = null;
  /** The stream position the server's last count covers: items numbered up to it are in that count. */
  private countedSeq: number | null = null;

  constructor(options: HeraldClientOptions) {
    if (typeof options.url === 'string') liveUrl(options.url);
    this.url = options.url;
    this.getToken = options.getToken;
    this.WebSocketCtor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
    this.random = options.random ?? Math.random;
    this.pingIntervalMs = options.pingIntervalMs ?? 25_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.gapGraceMs = options.gapGraceMs ?? 2000;
    const g = globalThis as unknown as Timers & { console?: { error(...args: unknown[]): void } };
    this.timers = options.timers ?? { setTimeout: (fn, ms) => g.setTimeout(fn, ms), clearTimeout: (handle) => g.clearTimeout(handle) };
    this.onListenerError = options.onListenerError ?? ((error, event) => g.console?.error(`herald client: a ${event} listener threw`, error));
  }

  /** Where the connection stands. */
  get state(): LiveState {
    return this.stateValue;
  }

  /** Whether start() was called (and stop() not since). */
  get started(): boolean {
    return this.running;
  }

  /** The newest notification id seen, over the socket or through noteSeen(): the next resume's cursor. */
  get newestId(): string | null {
    return this.newest;
  }

  /** The unread badge: the server's count, kept current by live items and local reads; null before the first hello. */
  get unreadCount(): number | null {
    return this.unread;
  }

  /** Every seq up to this one has arrived or is settled; null before the first hello. */
  get contiguousSeq(): number | null {
    return this.contiguous;
  }

  /** Whether this id was delivered (or noted) and is still remembered. */
  knows(id: string): boolean {
    return this.seen.has(id);
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends HeraldClientEvent>(type: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn as (event: never) => void);
    return () => void this.listeners.get(type)?.delete(fn as (event: never) => void);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Closes the socket (1000) and stays closed; what was learnt (newest id, badge) is kept for a later start(). */
  stop(): void {
    this.running = false;
    this.generation += 1;
    this.awaitingToken = false;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, 'client stop');
      } catch {
        /* already closing */
      }
    }
    this.setState('stopped');
  }

  /** Forgets everything learnt about the person (newest id, seen ids, stream position, badge): after stop() on sign-out. */
  reset(): void {
    this.stop();
    this.newest = null;
    this.seen.clear();
    this.resetSeq();
    this.unread = null;
    this.countedSeq = null;
    this.everConnected = false;
    this.attempt = 0;
    this.tokenRefused = false;
    this.unauthorizedStreak = 0;
  }

  /** Skips the backoff wait (the device is back online, the app came to the foreground...). */
  reconnectNow(): void {
    if (!this.running || this.ws || this.awaitingToken) return;
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connect();
  }

  /**
   * Records notifications the app learnt about elsewhere (the HTTP inbox), so they count for the
   * newest id and a replay of the same version is dropped rather than delivered as new. Their seq
   * numbers fill holes in the stream, but never open a gap (a page may be filtered).
   */
  noteSeen(notifications: readonly Notification[]): void {
    for (const n of notifications) {
      if (!n || typeof n.id !== 'string') continue;
      this.remember(n);
      this.recordSeq(n, false);
    }
  }

  /**
   * Marks notifications read: the badge drops at once for the ones known unread, and `read` frames
   * (at most 200 ids each) go out; the server answers with the exact count. False when not
   * connected: mark them read over HTTP instead (`POST /api/v1/notifications/:id/read`).
   */
  markRead(ids: readonly string[]): boolean {
    if (!ids.length) return false;
    let delta = 0;
    for (const id of new Set(ids)) {
      const known = this.seen.get(id);
      if (known?.unread) {
        known.unread = false;
        delta -= 1;
      }
    }
    this.adjustUnread(delta, 'read');
    let sent = true;
    for (let i = 0; i < ids.length && sent; i += MAX_READ_IDS) sent = this.send({ type: 'read', ids: ids.slice(i, i + MAX_READ_IDS) });
    return sent;
  }

  // --- the socket ----------------------------------------------------------------------------

  private send(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private connect(): void {
    this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    const reason: TokenRequest['reason'] = this.tokenRefused ? 'unauthorized' : this.everConnected ? 'reconnect' : 'connect';
    const generation = ++this.generation;
    let token: string | Promise<string>;
    try {
      token = this.getToken({ reason });
    } catch (err) {
      this.tokenFailed(err);
      return;
    }
    if (typeof token === 'string') return this.open(token);
    this.awaitingToken = true;
    Promise.resolve(token).then(
      (value) => {
        if (generation !== this.generation) return;
        this.awaitingToken = false;
        if (this.running && !this.ws) this.open(value);
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        this.awaitingToken = false;
        if (this.running) this.tokenFailed(err);
      },
    );
  }

  private tokenFailed(err: unknown): void {
    const detail = err instanceof Error ? err.message : typeof err === 'string' ? err : 'no token';
    this.emit('error', { code: 'token_unavailable', message: `getToken failed: ${detail}`, cause: err });
    this.emit('connect_failed', { attempt: this.attempt, error: err });
    this.scheduleReconnect();
  }

  private open(token: unknown): void {
    if (typeof token !== 'string' || token === '') return this.tokenFailed(new TypeError('getToken must return a non-empty string'));
    this.tokenRefused = false;
    let ws: WebSocketLike;
    try {
      if (!this.WebSocketCtor) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
      const url = liveUrl(typeof this.url === 'function' ? this.url() : this.url);
      ws = new this.WebSocketCtor(url, [BEARER_SUBPROTOCOL, `${BEARER_PREFIX}${token}`]) as WebSocketLike;
    } catch (err) {
      this.emit('connect_failed', { attempt: this.attempt, error: err });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    // The server may send its JSON as binary frames; as ArrayBuffers they can be decoded synchronously
    // (a Blob could not), so frames keep their order.
    try {
      ws.binaryType = 'arraybuffer';
    } catch {
      /* an implementation that only knows one binary type */
    }
    let opened = false;
    this.catchUp = null;
    this.pingsSent = 0;
    this.pongsReceived = 0;
    this.helloSeq = null;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      opened = true;
      const resumed = this.everConnected;
      this.everConnected = true;
      this.attempt = 0;
      // Resume first, so the server replays what was missed before any new live frame.
      const resuming = this.newest !== null && this.send({ type: 'resume', after: this.newest });
      this.startPinging();
      if (resumed) {
        // The protocol has no end-of-replay frame; the pong to a ping sent right after resume is
        // the barrier (frames on one socket are answered in order).
        this.beginCatchUp(true);
        this.setState('catching_up');
      } else {
        // A first connection that resumes (the app noted items first) shows live at once, but gap
        // detection still waits for the replay to end before judging holes.
        if (resuming) this.beginCatchUp(false);
        this.setState('live');
      }
    };
    ws.onmessage = (event) => {
      if (this.ws === ws) this.handleFrame(event.data);
    };
    ws.onerror = () => {
      /* a close event always follows; reconnection is decided there */
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      detach(ws);
      this.clearPingTimers();
      this.clearGapTimer();
      // The reconnect resumes after the newest id and settles every hole when its replay ends.
      this.catchUp = null;
      const code = event?.code;
      if (!opened) this.emit('connect_failed', { attempt: this.attempt, ...(code === undefined ? {} : { code }) });
      if (!this.running) return;
      if (code === CLOSE_CODES.UNAUTHORIZED) {
        // The token expired or its session ended: a new one, then at once, unless the last one
        // was refused too before any hello (then the backoff paces the retries).
        this.tokenRefused = true;
        this.emit('unauthorized', { code: CLOSE_CODES.UNAUTHORIZED });
        this.scheduleReconnect(opened ? code : undefined);
        if (this.unauthorizedStreak++ === 0) this.reconnectNow();
        return;
      }
      this.scheduleReconnect(opened ? code : undefined);
    };
  }

  private scheduleReconnect(closeCode?: number): void {
    this.attempt += 1;
    const retryInMs = backoffDelay(this.attempt, this.backoff, this.random);
    this.setState('reconnecting', { retryInMs, ...(closeCode === undefined ? {} : { closeCode }) });
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running && !this.ws && !this.awaitingToken) this.connect();
    }, retryInMs);
  }

  // --- frames --------------------------------------------------------------------------------

  private handleFrame(raw: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(frameText(raw));
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    const f = frame as Record<string, unknown> & { type?: unknown };
    switch (f.type) {
      case 'hello': {
        this.emit('frame', f as unknown as ServerFrame);
        this.hello(f);
        this.unauthorizedStreak = 0;
        const unreadCount = f.unreadCount as number;
        this.emit('hello', { sessionId: f.sessionId as string, unreadCount, seq: this.helloSeq ?? undefined });
        if (isCount(unreadCount)) this.setUnread(unreadCount, this.helloSeq, 'hello');
        break;
      }
      case 'notification':
        this.emit('frame', f as unknown as ServerFrame);
        this.receive(f.notification as Notification);
        break;
      case 'unread_count':
        this.emit('frame', f as unknown as ServerFrame);
        // The count covers what this socket was sent before it.
        if (isCount(f.count)) this.setUnread(f.count, Math.max(this.countedSeq ?? 0, this.maxSeq), 'unread_count');
        break;
      case 'error':
        this.emit('frame', f as unknown as ServerFrame);
        // This client never sends a resume while its own runs; a refusal can only mean the
        // server's replay outlived the pong barrier, and that replay brings the missing items anyway.
        if (f.code === 'resume_in_progress') break;
        this.emit('error', { code: f.code as ErrorFrameCode, message: f.message as string });
        break;
      case 'pong':
        this.emit('frame', f as unknown as ServerFrame);
        this.timers.clearTimeout(this.pongTimer);
        this.pongTimer = null;
        this.pongsReceived += 1;
        if (this.catchUp && this.pongsReceived >= this.catchUp.untilPong) this.endCatchUp();
        break;
      default:
      // Unknown frame types are ignored: the server may be newer than this client.
    }
  }

  private receive(n: Notification): void {
    if (!n || typeof n.id !== 'string') return;
    this.recordSeq(n, true);
    const previous = this.seen.get(n.id);
    const fingerprint = fingerprintOf(n);
    if (previous?.fingerprint === fingerprint) return; // an exact duplicate (replay overlap, second delivery)
    // A grouped item that grew comes as a successor with a new id naming the one it replaces (or,
    // failing that, sharing the groupKey of an older unread item): an update of something already
    // delivered, not a new notification.
    const named = replacedIdsOf(n);
    const replaces = named.length || previous ? named : this.groupPredecessors(n);
    const isNew = previous === undefined && !replaces.some((id) => this.seen.has(id));
    this.countDelivered(n, previous, replaces);
    for (const id of replaces) {
      const old = this.seen.get(id);
      if (old) old.unread = false; // superseded: it no longer counts
    }
    this.remember(n, fingerprint);
    this.emit('notification', { notification: n, isNew, replaces });
  }

  /** The unread items of the same group, older than `n`, that this client knows. */
  private groupPredecessors(n: Notification): string[] {
    if (n.groupKey === undefined) return [];
    const ids: string[] = [];
    for (const [id, s] of this.seen) if (s.groupKey === n.groupKey && s.unread && compareIds(id, n.id) < 0) ids.push(id);
    return ids;
  }

  private remember(n: Notification, fingerprint = fingerprintOf(n)): void {
    this.seen.delete(n.id);
    this.seen.set(n.id, { fingerprint, unread: !n.readAt, groupKey: n.groupKey });
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value!);
    if (this.newest === null || compareIds(n.id, this.newest) > 0) this.newest = n.id;
  }

  // --- the unread badge ----------------------------------------------------------------------

  private setUnread(count: number, coveredSeq: number | null, cause: UnreadEvent['cause']): void {
    this.countedSeq = coveredSeq;
    if (this.unread === count) return;
    this.unread = count;
    this.emit('unread', { count, cause });
  }

  private adjustUnread(delta: number, cause: UnreadEvent['cause']): void {
    if (!delta || this.unread === null) return;
    const count = Math.max(0, this.unread + delta);
    if (count === this.unread) return;
    this.unread = count;
    this.emit('unread', { count, cause });
  }

  /**
   * A delivered item moves the badge unless the server's last count already covers it (numbered
   * at or below that count's position: a replay after a reconnect, say). A new unread item counts
   * one; a new version that was read counts minus one; a successor takes the place of the unread
   * items it replaces. The server's next unread_count frame settles whatever this guessed.
   */
  private countDelivered(n: Notification, previous: Seen | undefined, replaces: readonly string[]): void {
    const seq = seqOf(n);
    if (seq !== null && this.countedSeq !== null && seq <= this.countedSeq) return;
    let delta = (n.readAt ? 0 : 1) - (previous?.unread ? 1 : 0);
    if (!previous) for (const id of replaces) if (this.seen.get(id)?.unread) delta -= 1;
    this.adjustUnread(delta, 'notification');
  }

  // --- gaps in the stream --------------------------------------------------------------------

  /** Forgets the stream position (sign-out, or a stream that started over). */
  private resetSeq(): void {
    this.clearGapTimer();
    this.contiguous = null;
    this.maxSeq = 0;
    this.seqIds.clear();
    this.helloSeq = null;
  }

  /** hello: the stream's newest seq when the socket opened. */
  private hello(frame: Record<string, unknown>): void {
    const seq = typeof frame.seq === 'number' && Number.isInteger(frame.seq) && frame.seq >= 0 ? frame.seq : null;
    this.helloSeq = seq;
    if (seq === null) return;
    if (seq < this.maxSeq) {
      // Below what this client has already seen: the stream started over (the person's data was
      // erased, an in-memory server restarted). Positions learnt before mean nothing now.
      this.resetSeq();
      this.helloSeq = seq;
    }
    // First connection: everything up to hello.seq is history (the resume, if any, replays it).
    // On a reconnect the catch-up settles it, once the replay has ended.
    if (this.contiguous === null) this.setContiguous(seq);
  }

  /**
   * Notes where a notification stands in the stream. `live`: it came over the socket, so a jump past
   * a missing number may start the grace timer; from the HTTP inbox it only fills holes.
   */
  private recordSeq(n: Notification, live: boolean): void {
    const seq = seqOf(n);
    if (seq === null) return; // written before seq existed: unknown, never a gap
    this.seqIds.delete(seq);
    this.seqIds.set(seq, n.id);
    if (this.seqIds.size > SEQ_LIMIT) this.seqIds.delete(this.seqIds.keys().next().value!);
    if (live && seq > this.maxSeq) this.maxSeq = seq;
    if (this.contiguous !== null) this.setContiguous(this.contiguous);
  }

  /** Everything up to `seq` has arrived or is settled; numbers already known past it follow. */
  private setContiguous(seq: number): void {
    while (this.seqIds.has(seq + 1)) seq += 1;
    this.contiguous = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
    // The hole the timer waited for is filled: the grace starts again for the next one, if any.
    if (this.gapTimer !== null && this.gapTimerAt !== null && seq > this.gapTimerAt) this.clearGapTimer();
    this.watchForGap();
  }

  private watchForGap(): void {
    if (this.gapTimer !== null || this.catchUp || this.contiguous === null || this.contiguous >= this.maxSeq) return;
    this.gapTimerAt = this.contiguous;
    this.gapTimer = this.timers.setTimeout(() => {
      this.gapTimer = null;
      this.gapTimerAt = null;
      this.fillGap();
    }, this.gapGraceMs);
  }

  private clearGapTimer(): void {
    this.timers.clearTimeout(this.gapTimer);
    this.gapTimer = null;
    this.gapTimerAt = null;
  }

  /**
   * The grace is over and numbers are still missing: resume from 30 s before the last item below the
   * hole. Ids are made just before the transaction that numbers them, so the missing item's id can be
   * a little older than that item's (docs/api.md, "Seeing a gap"); what comes again is dropped by id.
   */
  private fillGap(): void {
    const c = this.contiguous;
    if (c === null || c >= this.maxSeq) return;
    // A running catch-up settles the hole when it ends; a closed socket resumes when it reconnects.
    if (this.catchUp || !this.ws || this.ws.readyState !== OPEN) return;
    const below = this.idAtOrBefore(c) ?? this.newest;
    const after = below && earlierCursor(below, GAP_LOOKBACK_MS);
    if (!after || !this.send({ type: 'resume', after })) return;
    this.beginCatchUp(true);
    this.setState('catching_up');
    this.emit('gap', { from: c + 1, to: this.maxSeq - 1 });
  }

  /** The id of the item at `seq`, else of the nearest known one below it (its replay only repeats what we have). */
  private idAtOrBefore(seq: number): string | null {
    const exact = this.seqIds.get(seq);
    if (exact !== undefined) return exact;
    let best = 0;
    let id: string | null = null;
    for (const [s, i] of this.seqIds) {
      if (s < seq && s > best) {
        best = s;
        id = i;
      }
    }
    return id;
  }

  /** Right after a resume: the pong to this ping marks the end of its replay. */
  private beginCatchUp(visible: boolean): void {
    this.clearGapTimer();
    if (!this.ping()) return;
    this.catchUp = { untilPong: this.pingsSent, visible };
  }

  /**
   * The replay has ended: whatever is still missing up to the newest seq seen (or the hello's, after
   * a reconnect) will not come, because a superseded item is never replayed. The holes are closed.
   */
  private endCatchUp(): void {
    const { visible } = this.catchUp!;
    this.catchUp = null;
    const known = [this.contiguous, this.helloSeq, this.maxSeq || null].filter((s): s is number => s !== null);
    if (known.length) this.setContiguous(Math.max(...known));
    if (visible) this.setState('caught_up');
  }

  // --- heartbeat -----------------------------------------------------------------------------

  private startPinging(): void {
    this.clearPingTimers();
    const tick = () => {
      this.ping();
      this.pingTimer = this.timers.setTimeout(tick, this.pingIntervalMs);
    };
    this.pingTimer = this.timers.setTimeout(tick, this.pingIntervalMs);
  }

  /** Whether the ping went out. */
  private ping(): boolean {
    if (!this.send({ type: 'ping' })) return false;
    this.pingsSent += 1;
    if (this.pongTimer !== null) return true;
    this.pongTimer = this.timers.setTimeout(() => {
      this.pongTimer = null;
      // Half-open socket (a network switch, a sleeping laptop): drop it and reconnect with resume.
      const ws = this.ws;
      if (!ws) return;
      const onclose = ws.onclose;
      try {
        ws.close(PONG_TIMEOUT_CLOSE, 'pong timeout');
      } catch {
        /* ignore */
      }
      onclose?.({ code: PONG_TIMEOUT_CLOSE });
    }, this.pongTimeoutMs);
    return true;
  }

  private clearPingTimers(): void {
    this.timers.clearTimeout(this.pingTimer);
    this.timers.clearTimeout(this.pongTimer);
    this.pingTimer = null;
    this.pongTimer = null;
  }

  private clearTimers(): void {
    this.clearPingTimers();
    this.clearGapTimer();
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  // --- events --------------------------------------------------------------------------------

  private setState(state: LiveState, extra: { retryInMs?: number; closeCode?: number } = {}): void {
    this.stateValue = state;
    this.emit('status', { state, attempt: this.attempt, ...extra });
  }

  private emit<K extends HeraldClientEvent>(type: K, payload: HeraldClientEvents[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<K>)(payload);
      } catch (err) {
        this.onListenerError(err, type);
      }
    }
  }
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

function fingerprintOf(n: Notification): string {
  return JSON.stringify([n.count ?? 1, n.readAt ?? null, n.title ?? '', n.body ?? '', n.actor?.id ?? '', n.createdAt ?? '']);
}

/**
 * Stops listening to a socket this client is done with. An error listener stays: Node's `ws` emits
 * 'error' when a socket still connecting is closed, and an EventEmitter with no listener for it throws.
 */
function detach(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = ignore;
}

const ignore = (): void => {};

/**
 * `wss://host/ws` from what the app gave: an http(s) base becomes ws(s), a bare origin gets /ws.
 * A token in the URL is refused: URLs end up in logs; the token rides in the subprotocol.
 */
export function liveUrl(raw: string): string {
  const url = String(raw).trim().replace(/^http(s?):\/\//i, 'ws$1://');
  const match = /^(wss?:\/\/[^/?#]+)(\/[^?#]*)?(.*)$/i.exec(url);
  if (!match) throw new TypeError(`not a ws(s):// or http(s):// URL: ${JSON.stringify(raw)}`);
  const [, origin, path, rest] = match as unknown as [string, string, string | undefined, string];
  if (/[?&](token|access_token)=/i.test(rest)) throw new TypeError('the access token must not be in the URL: getToken supplies it, and it travels as a subprotocol');
  return !path || path === '/' ? `${origin}${LIVE_PATH}${rest}` : url;
}
