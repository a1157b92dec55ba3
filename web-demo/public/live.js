// LiveClient: the browser's WebSocket to Herald (docs/api.md "Live delivery").
// It owns reconnection, resume-after-newest-id, de-duplication and gap detection on the per-person
// `seq` numbers; it knows nothing about the DOM, so a test can drive it with a fake WebSocket
// constructor and fake timers.

/** @typedef {{id: string, readAt?: string|null, count?: number} & Record<string, unknown>} Notification */
/** @typedef {'connecting'|'live'|'reconnecting'|'catching_up'|'caught_up'|'stopped'} LiveState */

const OPEN = 1;
const SEEN_LIMIT = 2000;
/** The seq -> id map is bounded like the seen map. */
const SEQ_LIMIT = 2000;
/** The most ids one `read` frame may carry (docs/protocol.md). */
export const MAX_READ_IDS = 200;

/** A notification's place in its recipient's stream, or null when it has none (written before seq existed). */
export function seqOf(n) {
  const seq = n?.seq;
  return Number.isInteger(seq) && seq > 0 ? seq : null;
}

/**
 * Ids "sort by creation time" (docs/api.md). ULIDs / UUIDv7 compare as strings; purely numeric ids of
 * different lengths would not, so those compare by length first.
 * @returns {number} <0, 0 or >0
 */
/** How far before the item below a hole a gap repair resumes (docs/api.md, "Seeing a gap"). */
export const GAP_LOOKBACK_MS = 30_000;
const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * A resume cursor `ms` before the UUIDv7 `id`: that moment's timestamp with every other bit zero
 * (`7000-8000-000000000000`). An id that is not a UUIDv7 carries no time: it is its own cursor.
 */
export function earlierCursor(id, ms) {
  if (!UUIDV7.test(id)) return id;
  const at = Math.max(0, parseInt(id.slice(0, 8) + id.slice(9, 13), 16) - ms);
  const hex = at.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

export function compareIds(a, b) {
  if (a === b) return 0;
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}

/** Delay before reconnect attempt `attempt` (1-based): exponential, capped, with "equal jitter". */
export function backoffDelay(attempt, { baseMs, maxMs }, random) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class LiveClient {
  /**
   * @param {object} opts
   * @param {() => string} opts.url            called on every (re)connect
   * @param {() => string[]} [opts.protocols]  subprotocols to offer, also called on every (re)connect (the token rides here)
   * @param {typeof WebSocket} [opts.WebSocket]
   * @param {() => number} [opts.random]
   * @param {number} [opts.pingIntervalMs]     client ping period (the contract's 25 s)
   * @param {number} [opts.pongTimeoutMs]      no pong by then: the socket is presumed dead
   * @param {{baseMs: number, maxMs: number}} [opts.backoff]
   * @param {number} [opts.gapGraceMs]        how long a missing seq may lag behind a later one before it counts as a gap
   * @param {{setTimeout: typeof setTimeout, clearTimeout: typeof clearTimeout}} [opts.timers]
   */
  constructor(opts) {
    this.url = opts.url;
    this.protocols = opts.protocols;
    this.WebSocket = opts.WebSocket ?? globalThis.WebSocket;
    this.random = opts.random ?? Math.random;
    this.pingIntervalMs = opts.pingIntervalMs ?? 25_000;
    this.pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
    this.backoff = opts.backoff ?? { baseMs: 500, maxMs: 30_000 };
    this.gapGraceMs = opts.gapGraceMs ?? 2000;
    this.timers = opts.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t) };

    /** @type {LiveState} */
    this.state = 'stopped';
    /** @type {string|null} the newest notification id seen, over the socket or fed in by noteSeen() */
    this.newestId = null;
    this.attempt = 0;
    this.ws = null;
    this.started = false;
    this.everConnected = false;
    /**
     * A resume whose replay has not ended yet: it ends with the pong to the ping numbered `untilPong`
     * (pings are answered in order). `visible`: shown as catching_up / caught_up.
     * @type {{untilPong: number, visible: boolean}|null}
     */
    this.catchUp = null;
    this.pingsSent = 0;
    this.pongsReceived = 0;
    /** id -> fingerprint of the version last seen; bounded, oldest forgotten first */
    this.seen = new Map();
    this.listeners = new Map();
    this.reconnectTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;

    // Gap detection on the stream's numbers (reset by resetSeq()).
    /** @type {number|null} every seq up to this one has arrived or is settled; null: not known yet */
    this.contiguousSeq = null;
    /** the highest seq seen (0: none) */
    this.maxSeq = 0;
    /** @type {Map<number, string>} seq -> notification id, to resume after the item at contiguousSeq; bounded, oldest forgotten first */
    this.seqIds = new Map();
    /** @type {number|null} `seq` of this socket's hello, settled by the catch-up that follows a reconnect */
    this.helloSeq = null;
    this.gapTimer = null;
    /** @type {number|null} the contiguousSeq the running grace timer waits to see passed */
    this.gapTimerAt = null;
  }

  /** Forgets the stream position (sign-out, or a stream that started over). */
  resetSeq() {
    this.clearGapTimer();
    this.contiguousSeq = null;
    this.maxSeq = 0;
    this.seqIds.clear();
    this.helloSeq = null;
  }

  /**
   * Subscribes to 'status' | 'hello' ({sessionId, unreadCount, seq}) | 'notification' | 'unread_count' |
   * 'error' | 'pong' | 'connect_failed' | 'unauthorized' | 'gap' ({from, to}: seq numbers that did not
   * arrive within the grace; a resume is on its way).
   */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type)?.delete(fn);
  }

  emit(type, payload) {
    for (const fn of this.listeners.get(type) ?? []) {
      try {
        fn(payload);
      } catch (err) {
        console.error(`live: a ${type} listener threw`, err);
      }
    }
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('status', { state, attempt: this.attempt, ...extra });
  }

  start() {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  stop() {
    this.started = false;
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

  /** Forgets everything learnt about the previous user (newest id, seen ids): call after stop() on sign-out. */
  reset() {
    this.stop();
    this.newestId = null;
    this.seen.clear();
    this.resetSeq();
    this.everConnected = false;
    this.attempt = 0;
  }

  /** Skips the backoff wait (the browser says it is back online, the tab became visible...). */
  reconnectNow() {
    if (!this.started || this.ws) return;
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connect();
  }

  /**
   * Records notifications the app learnt about elsewhere (the HTTP inbox), so they count for
   * "newest id" and a replay of the same version is dropped rather than shown as new. Their seq
   * numbers fill holes in the stream, but never open a gap (a page may be filtered).
   * @param {Notification[]} notifications
   */
  noteSeen(notifications) {
    for (const n of notifications) {
      if (!n || typeof n.id !== 'string') continue;
      this.remember(n);
      this.recordSeq(n, false);
    }
  }

  /**
   * Sends `{"type":"read","ids":[...]}`, at most MAX_READ_IDS per frame (the server refuses more);
   * false when not connected (the caller uses HTTP anyway).
   */
  markRead(ids) {
    if (!ids.length) return false;
    let sent = true;
    for (let i = 0; i < ids.length; i += MAX_READ_IDS) sent = this.send({ type: 'read', ids: ids.slice(i, i + MAX_READ_IDS) }) && sent;
    return sent;
  }

  send(frame) {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  connect() {
    this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    let ws;
    try {
      const protocols = this.protocols?.();
      ws = protocols ? new this.WebSocket(this.url(), protocols) : new this.WebSocket(this.url());
    } catch (err) {
      this.emit('connect_failed', { attempt: this.attempt, error: err });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    // The server may send its JSON as binary frames; as ArrayBuffers they can be decoded synchronously
    // (a Blob could not), so frames keep their order.
    ws.binaryType = 'arraybuffer';
    let opened = false;
    this.catchUp = null;
    this.pingsSent = 0;
    this.pongsReceived = 0;
    this.helloSeq = null;
    ws.onopen = () => {
      opened = true;
      const resumed = this.everConnected;
      this.everConnected = true;
      this.attempt = 0;
      // Resume first, so the server replays what we missed before any new live frame.
      const resuming = Boolean(this.newestId) && this.send({ type: 'resume', after: this.newestId });
      this.startPinging();
      if (resumed) {
        // The contract has no end-of-replay frame; the pong to a ping sent right after resume is
        // the barrier (frames on one socket are answered in order).
        this.beginCatchUp(true);
        this.setState('catching_up');
      } else {
        // A first connection that resumes (the inbox was loaded before the socket) shows Live at
        // once, but gap detection still waits for the replay to end before judging holes.
        if (resuming) this.beginCatchUp(false);
        this.setState('live');
      }
    };
    ws.onmessage = (event) => this.handleFrame(event.data);
    ws.onerror = () => {
      /* a close event always follows; reconnection is decided there */
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearPingTimers();
      this.clearGapTimer();
      // The reconnect resumes after the newest id and settles every hole when its replay ends.
      this.catchUp = null;
      if (!opened) this.emit('connect_failed', { attempt: this.attempt, code: event?.code });
      // 4401: the access token expired or its session ended. The app renews it and calls
      // reconnectNow(); the scheduled reconnect is the fallback if it does not.
      if (event?.code === 4401) this.emit('unauthorized', { code: 4401 });
      if (this.started) this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    this.attempt += 1;
    const retryInMs = backoffDelay(this.attempt, this.backoff, this.random);
    this.setState('reconnecting', { retryInMs });
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.started && !this.ws) this.connect();
    }, retryInMs);
  }

  handleFrame(raw) {
    let frame;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : textOf(raw));
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    switch (frame.type) {
      case 'hello':
        this.hello(frame);
        this.emit('hello', { sessionId: frame.sessionId, unreadCount: frame.unreadCount, seq: this.helloSeq ?? undefined });
        break;
      case 'notification':
        this.receive(frame.notification);
        break;
      case 'unread_count':
        this.emit('unread_count', { count: frame.count });
        break;
      case 'error':
        // This client never sends a resume while its own is running; a refusal can only mean the
        // server's replay outlived the pong barrier, and that replay brings the missing items anyway.
        if (frame.code === 'resume_in_progress') break;
        this.emit('error', { code: frame.code, message: frame.message });
        break;
      case 'pong':
        this.timers.clearTimeout(this.pongTimer);
        this.pongTimer = null;
        this.pongsReceived += 1;
        if (this.catchUp && this.pongsReceived >= this.catchUp.untilPong) this.endCatchUp();
        this.emit('pong', {});
        break;
      default:
      // Unknown frame types are ignored: the server may be newer than this page.
    }
  }

  /** @param {Notification} n */
  receive(n) {
    if (!n || typeof n.id !== 'string') return;
    this.recordSeq(n, true);
    const previous = this.seen.get(n.id);
    const fingerprint = fingerprintOf(n);
    if (previous === fingerprint) return; // an exact duplicate (replay overlap, second delivery)
    // A grouped item that grew may come as a successor with a new id naming the one it replaces;
    // it is an update of something already shown, not a new notification.
    const replaces = replacedIdsOf(n);
    const isNew = previous === undefined && !replaces.some((id) => this.seen.has(id));
    this.remember(n, fingerprint);
    this.emit('notification', { notification: n, isNew, replaces });
  }

  remember(n, fingerprint = fingerprintOf(n)) {
    this.seen.delete(n.id);
    this.seen.set(n.id, fingerprint);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value);
    if (this.newestId === null || compareIds(n.id, this.newestId) > 0) this.newestId = n.id;
  }

  /** hello: the stream's newest seq when the socket opened. */
  hello(frame) {
    const seq = Number.isInteger(frame.seq) && frame.seq >= 0 ? frame.seq : null;
    this.helloSeq = seq;
    if (seq === null) return;
    if (seq < this.maxSeq) {
      // Below what this tab has already seen: the stream started over (the person's data was erased,
      // an in-memory server restarted). Positions learnt before mean nothing now.
      this.resetSeq();
      this.helloSeq = seq;
    }
    // First connection: everything up to hello.seq is history (the resume, if any, replays it).
    // On a reconnect the catch-up settles it, once the replay has ended.
    if (this.contiguousSeq === null) this.setContiguous(seq);
  }

  /**
   * Notes where a notification stands in the stream. `live`: it came over the socket, so a jump past
   * a missing number may start the grace timer; from the HTTP inbox it only fills holes.
   */
  recordSeq(n, live) {
    const seq = seqOf(n);
    if (seq === null) return; // written before seq existed: unknown, never a gap
    this.seqIds.delete(seq);
    this.seqIds.set(seq, n.id);
    if (this.seqIds.size > SEQ_LIMIT) this.seqIds.delete(this.seqIds.keys().next().value);
    if (live && seq > this.maxSeq) this.maxSeq = seq;
    if (this.contiguousSeq !== null) this.setContiguous(this.contiguousSeq);
  }

  /** Everything up to `seq` has arrived or is settled; numbers already known past it follow. */
  setContiguous(seq) {
    while (this.seqIds.has(seq + 1)) seq += 1;
    this.contiguousSeq = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
    // The hole the timer waited for is filled: the grace starts again for the next one, if any.
    if (this.gapTimer && seq > this.gapTimerAt) this.clearGapTimer();
    this.watchForGap();
  }

  watchForGap() {
    if (this.gapTimer || this.catchUp || this.contiguousSeq === null || this.contiguousSeq >= this.maxSeq) return;
    this.gapTimerAt = this.contiguousSeq;
    this.gapTimer = this.timers.setTimeout(() => {
      this.gapTimer = null;
      this.gapTimerAt = null;
      this.fillGap();
    }, this.gapGraceMs);
  }

  clearGapTimer() {
    this.timers.clearTimeout(this.gapTimer);
    this.gapTimer = null;
    this.gapTimerAt = null;
  }

  /**
   * The grace is over and numbers are still missing: resume from 30 s before the last item below the
   * hole. Ids are made just before the transaction that numbers them, so the missing item's id can be
   * a little older than that item's (docs/api.md, "Seeing a gap"); what comes again is dropped by id.
   */
  fillGap() {
    const c = this.contiguousSeq;
    if (c === null || c >= this.maxSeq) return;
    // A running catch-up settles the hole when it ends; a closed socket resumes when it reconnects.
    if (this.catchUp || !this.ws || this.ws.readyState !== OPEN) return;
    const below = this.idAtOrBefore(c) ?? this.newestId;
    const after = below && earlierCursor(below, GAP_LOOKBACK_MS);
    if (!after || !this.send({ type: 'resume', after })) return;
    this.beginCatchUp(true);
    this.setState('catching_up');
    this.emit('gap', { from: c + 1, to: this.maxSeq - 1 });
  }

  /** The id of the item at `seq`, else of the nearest known one below it (its replay only repeats what we have). */
  idAtOrBefore(seq) {
    const exact = this.seqIds.get(seq);
    if (exact !== undefined) return exact;
    let best = 0;
    let id = null;
    for (const [s, i] of this.seqIds) {
      if (s < seq && s > best) {
        best = s;
        id = i;
      }
    }
    return id;
  }

  /** Right after a resume: the pong to this ping marks the end of its replay. */
  beginCatchUp(visible) {
    this.clearGapTimer();
    if (!this.ping()) return;
    this.catchUp = { untilPong: this.pingsSent, visible };
  }

  /**
   * The replay has ended: whatever is still missing up to the newest seq seen (or the hello's, after
   * a reconnect) will not come, because a superseded item is never replayed. The holes are closed.
   */
  endCatchUp() {
    const { visible } = this.catchUp;
    this.catchUp = null;
    const known = [this.contiguousSeq, this.helloSeq, this.maxSeq || null].filter((s) => s !== null);
    if (known.length) this.setContiguous(Math.max(...known));
    if (visible) this.setState('caught_up');
  }

  startPinging() {
    this.clearPingTimers();
    const tick = () => {
      this.ping();
      this.pingTimer = this.timers.setTimeout(tick, this.pingIntervalMs);
    };
    this.pingTimer = this.timers.setTimeout(tick, this.pingIntervalMs);
  }

  /** @returns {boolean} whether the ping went out */
  ping() {
    if (!this.send({ type: 'ping' })) return false;
    this.pingsSent += 1;
    if (this.pongTimer) return true;
    this.pongTimer = this.timers.setTimeout(() => {
      this.pongTimer = null;
      // Half-open socket (a network switch, a sleeping laptop): drop it and reconnect with resume.
      const ws = this.ws;
      if (!ws) return;
      try {
        ws.close(4000, 'pong timeout');
      } catch {
        /* ignore */
      }
      ws.onclose?.({ code: 4000 });
    }, this.pongTimeoutMs);
    return true;
  }

  clearPingTimers() {
    this.timers.clearTimeout(this.pingTimer);
    this.timers.clearTimeout(this.pongTimer);
    this.pingTimer = null;
    this.pongTimer = null;
  }

  clearTimers() {
    this.clearPingTimers();
    this.clearGapTimer();
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }
}

/** The ids a notification supersedes (`data.replaces`: one id or a list), as the notification service sends them. */
export function replacedIdsOf(n) {
  const r = n?.data?.replaces;
  if (typeof r === 'string') return r === n.id ? [] : [r];
  if (Array.isArray(r)) return r.filter((id) => typeof id === 'string' && id !== n.id);
  return [];
}

function fingerprintOf(n) {
  return JSON.stringify([n.count ?? 1, n.readAt ?? null, n.title ?? '', n.body ?? '', n.actor?.id ?? '', n.createdAt ?? '']);
}

const decoder = new TextDecoder();

function textOf(raw) {
  if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) return decoder.decode(raw);
  return String(raw);
}

function detach(ws) {
  ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
}
