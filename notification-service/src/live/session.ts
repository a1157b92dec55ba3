import type { RawData, WebSocket } from 'ws';
import type { LiveMetrics } from './metrics.js';
import type { LiveOptions } from './options.js';
import { idTime } from '../domain/notification-ids.js';
import { catchUpStart, maxId, minId } from './catch-up.js';
import { CLOSE, type Outgoing } from './protocol.js';
import { fullBudget, type BudgetState } from './frame-budget.js';

/**
 * Notification ids a live socket always remembers (the newest), outside any resume window: a chunk
 * redelivered after a crash, or a catch-up that starts before the cursor, may offer a frame again, and
 * these keep it from going out twice. 64 strings is about 4 KB on a socket that is receiving; an idle
 * one sheds them (expireSeen).
 */
export const RECENT_IDS = 64;
/** How long the recent ids are kept after the newest of them was created. */
export const RECENT_IDS_MS = 120_000;

/** What a session needs from the hub that owns it. */
export interface SessionHost {
  readonly options: LiveOptions;
  readonly metrics: LiveMetrics;
  /** Called once, when the session stops being deliverable. */
  detach(session: Session): void;
  onFrame(session: Session, data: RawData, isBinary: boolean): void;
  onSocketError(session: Session, err: Error): void;
}

/**
 * opening: registering presence and sending hello; live frames are held so hello comes first.
 * resuming: replaying the inbox (asked by the client, or a server catch-up, running or queued); live
 * frames are held, then flushed without the ids already sent.
 */
export type SessionState = 'opening' | 'live' | 'resuming' | 'closed';

const kSession = Symbol('herald.live.session');
type TaggedSocket = WebSocket & { [kSession]: Session };
/** ws keeps the TCP socket in `_socket` (not public API; routes.ts relies on it too). */
type RawSocketOf = { _socket?: { cork(): void; uncork(): void } };

/**
 * One socket of one user. Kept small because an instance holds tens of thousands of them: the
 * listeners are shared functions (the socket points at its session, not one closure per socket),
 * and the hold buffer and the id set exist only while they are needed.
 */
export class Session {
  state: SessionState = 'opening';
  /** Cleared by each heartbeat ping, set by the pong (or a client ping). */
  alive = true;
  /** Which tick of the heartbeat period pings this socket (heartbeat.ts). */
  heartbeatSlice = 0;
  badFrames = 0;
  /** Inbound work left to spend (frame-budget.ts); refilled with time. */
  readonly budget: BudgetState;
  /** Client frames wait for this while the session opens. */
  opening: Promise<void> | undefined;
  readonly openedAt = Date.now();
  /** The newest notification id written, or the id the client resumed after: a catch-up pages from here. */
  cursor: string | undefined;
  /**
   * Where the socket stood when this instance's Redis trouble began (frames for it may be lost from
   * then on); while set, the ids it is sent are remembered so the catch-up does not repeat them.
   */
  gapFrom: string | undefined;
  /** Whether the running resume is the client's (a second client resume is refused, a catch-up merges). */
  resumeByClient = false;
  /** The login session of the token the socket was opened with (`sid`), when it names one. */
  authSessionId: string | undefined;
  /** Closes the socket with 4401 when its access token expires; cleared when the session detaches. */
  expiry: NodeJS.Timeout | undefined;
  /** A catch-up owed: page the inbox after this id before going live. */
  private pendingFrom: string | undefined;
  private held: Outgoing[] | undefined;
  /** Notification ids written recently, so a frame that is both replayed and delivered live goes out once. */
  private seen: Set<string> | undefined;
  private seenUntil: number;

  constructor(
    readonly socket: WebSocket,
    readonly userId: string,
    readonly id: string,
    readonly host: SessionHost,
  ) {
    this.seenUntil = Date.now() + host.options.dedupWindowMs;
    this.budget = fullBudget(host.options, Date.now());
    (socket as TaggedSocket)[kSession] = this;
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('close', onClose);
    socket.on('error', onError);
  }

  get isResuming(): boolean {
    return this.state === 'resuming';
  }

  /** A live frame: held while opening or resuming, written otherwise. */
  push(out: Outgoing): void {
    if (this.state === 'live') return this.write(out);
    if (this.state === 'closed') return;
    const held = (this.held ??= []);
    if (held.length >= this.host.options.maxResumeBufferFrames) {
      this.close(CLOSE.RESUME_AGAIN, 'too many live frames while resuming: reconnect and resume');
      return;
    }
    held.push(out);
  }

  write(out: Outgoing): void {
    if (out.notificationId !== undefined) {
      if (!this.remember(out.notificationId)) return;
      this.cursor = maxId(this.cursor, out.notificationId);
    }
    this.host.metrics.framesSent.inc();
    this.send(out.data);
  }

  /** A replayed notification; resolves when written to the OS when `flush`, so a resume cannot outrun its reader. */
  replay(out: Outgoing, flush: boolean): { sent: boolean; written?: Promise<void> } {
    if (this.state === 'closed' || !this.remember(out.notificationId!)) return { sent: false };
    this.cursor = maxId(this.cursor, out.notificationId);
    if (!flush) {
      this.send(out.data);
      return { sent: true };
    }
    const written = new Promise<void>((resolve) => this.socket.send(out.data, { binary: false }, () => resolve()));
    this.checkBuffered();
    return { sent: true, written };
  }

  send(data: Buffer): void {
    if (this.state === 'closed') return;
    // Frames are serialised once into a Buffer and shared by every session; `binary: false` keeps
    // them JSON text frames on the wire, as browsers and docs/protocol.md expect.
    this.socket.send(data, { binary: false });
    this.checkBuffered();
  }

  /**
   * Holds this socket's writes until uncork(): the frames of one delivery (a notification and the new
   * unread count) then leave in one write system call instead of one each, which is most of what
   * writing a frame costs.
   */
  cork(): void {
    (this.socket as unknown as RawSocketOf)._socket?.cork();
  }

  uncork(): void {
    (this.socket as unknown as RawSocketOf)._socket?.uncork();
  }

  startResume(byClient: boolean): void {
    this.state = 'resuming';
    this.resumeByClient = byClient;
  }

  /**
   * Marks where a possible loss of live frames begins: here, or earlier when `after` says the loss
   * began before it was noticed (an earlier mark is kept).
   */
  markGap(after?: string): void {
    this.gapFrom = minId(this.gapFrom, catchUpStart({ gapFrom: undefined, cursor: this.cursor, openedAt: this.openedAt }, after));
  }

  /** Owes a catch-up after `from` (the earliest one wins); it replaces the gap mark. */
  owe(from: string): void {
    this.pendingFrom = minId(this.pendingFrom, from);
    this.gapFrom = undefined;
  }

  get hasPending(): boolean {
    return this.pendingFrom !== undefined;
  }

  takePending(): string | undefined {
    const from = this.pendingFrom;
    this.pendingFrom = undefined;
    return from;
  }

  /** Leaves opening or resuming: held frames go out in arrival order, minus what was already sent. */
  goLive(): void {
    if (this.state === 'closed') return;
    if (this.state === 'resuming') {
      this.seenUntil = Date.now() + this.host.options.dedupWindowMs;
      this.trimSeen();
    }
    this.state = 'live';
    const held = this.held;
    this.held = undefined;
    if (held) for (const out of held) this.write(out);
  }

  /**
   * Outside a resume window only the newest RECENT_IDS stay, and none once the newest of them is
   * older than RECENT_IDS_MS (called from the heartbeat, so idle sockets shed the set).
   */
  expireSeen(now: number): void {
    const seen = this.seen;
    if (!seen || this.tracking || now <= this.seenUntil) return;
    let newest: string | undefined;
    for (const id of seen) newest = id;
    if (newest === undefined || idTime(newest) < now - RECENT_IDS_MS) this.seen = undefined;
    else this.trimSeen(RECENT_IDS);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.markClosed();
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.markClosed();
    this.socket.terminate();
  }

  markClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.held = undefined;
    this.seen = undefined;
    this.pendingFrom = undefined;
    this.gapFrom = undefined;
    this.host.detach(this);
  }

  /** Ids are kept past the window while a replay runs or a gap is open (a catch-up will page over them). */
  private get tracking(): boolean {
    return this.state === 'resuming' || this.gapFrom !== undefined;
  }

  private remember(id: string): boolean {
    if (this.seen?.has(id)) return false;
    (this.seen ??= new Set()).add(id);
    if (this.state === 'resuming') return true;
    this.trimSeen(this.tracking || Date.now() <= this.seenUntil ? this.host.options.maxResumeBufferFrames : RECENT_IDS);
    return true;
  }

  /** The newest ids matter (they are the ones still in flight), so the oldest go first. */
  private trimSeen(cap = this.host.options.maxResumeBufferFrames): void {
    const seen = this.seen;
    if (!seen) return;
    for (const id of seen) {
      if (seen.size <= cap) break;
      seen.delete(id);
    }
  }

  private checkBuffered(): void {
    if (this.state === 'closed' || this.socket.bufferedAmount <= this.host.options.maxBufferedBytes) return;
    this.host.metrics.slowConsumerDisconnects.inc();
    this.close(CLOSE.SLOW_CONSUMER, 'reading too slowly: reconnect and resume');
  }
}

const sessionOf = (socket: WebSocket): Session => (socket as TaggedSocket)[kSession];

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const session = sessionOf(this);
  session.host.onFrame(session, data, isBinary);
}

function onPong(this: WebSocket): void {
  sessionOf(this).alive = true;
}

function onClose(this: WebSocket): void {
  sessionOf(this).markClosed();
}

function onError(this: WebSocket, err: Error): void {
  const session = sessionOf(this);
  session.host.onSocketError(session, err);
}
