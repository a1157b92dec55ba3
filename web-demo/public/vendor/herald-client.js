// @ts-nocheck
// @herald/client for the web demo, bundled from packages/client/src by scripts/build-web-sdk.mjs.
// Do not edit: run `npm run build:web-sdk` (a test fails when this copy is out of date).

// packages/client/src/backoff.ts
var DEFAULT_BACKOFF = { baseMs: 500, maxMs: 3e4, jitter: "full" };
function backoffDelay(attempt, options, random) {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  if (options.jitter === "equal") return Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.round(random() * ceiling);
}

// packages/client/src/ids.ts
function seqOf(n) {
  const seq = n?.seq;
  return typeof seq === "number" && Number.isInteger(seq) && seq > 0 ? seq : null;
}
function compareIds(a, b) {
  if (a === b) return 0;
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}
var UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
function earlierCursor(id, ms) {
  if (!UUIDV7.test(id)) return id;
  const at = Math.max(0, parseInt(id.slice(0, 8) + id.slice(9, 13), 16) - ms);
  const hex = at.toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
function replacedIdsOf(n) {
  const r = n.data?.replaces;
  if (typeof r === "string") return r === n.id ? [] : [r];
  if (Array.isArray(r)) return r.filter((id) => typeof id === "string" && id !== n.id);
  return [];
}

// packages/client/src/protocol.ts
var LIVE_PATH = "/ws";
var BEARER_SUBPROTOCOL = "bearer";
var BEARER_PREFIX = "bearer.";
var MAX_READ_IDS = 200;
var GAP_LOOKBACK_MS = 3e4;
var CLOSE_CODES = {
  ABNORMAL: 1006,
  INVALID_UTF8: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  RESTARTING: 1012,
  SLOW_CONSUMER: 1013,
  RESUME_AGAIN: 4001,
  UNAUTHORIZED: 4401
};
var CLOSE_ADVICE = {
  1006: "reconnect",
  1007: "fix_client",
  1008: "fix_client",
  1009: "fix_client",
  1011: "reconnect",
  1012: "reconnect",
  1013: "reconnect",
  4001: "reconnect",
  4401: "refresh_token"
};

// packages/client/src/text.ts
var TextDecoderCtor = globalThis.TextDecoder;
var decoder = TextDecoderCtor ? new TextDecoderCtor() : void 0;
function frameText(raw) {
  if (typeof raw === "string") return raw;
  if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    const bytes = raw instanceof ArrayBuffer ? new Uint8Array(raw) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    return decoder ? decoder.decode(bytes) : decodeUtf8(bytes);
  }
  return String(raw);
}
function decodeUtf8(bytes) {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 128) {
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    const [need, first, min] = b >= 194 && b <= 223 ? [1, b & 31, 128] : b >= 224 && b <= 239 ? [2, b & 15, 2048] : b >= 240 && b <= 244 ? [3, b & 7, 65536] : [0, 0, 0];
    let cp = first;
    let k = 1;
    for (; need > 0 && k <= need; k++) {
      const c = bytes[i + k];
      if (c === void 0 || (c & 192) !== 128) break;
      cp = cp << 6 | c & 63;
    }
    if (need === 0 || k <= need || cp < min || cp > 1114111 || cp >= 55296 && cp <= 57343) {
      out += "\uFFFD";
      i += 1;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

// packages/client/src/client.ts
var OPEN = 1;
var SEEN_LIMIT = 2e3;
var SEQ_LIMIT = 2e3;
var PONG_TIMEOUT_CLOSE = 4e3;
var HeraldClient = class {
  url;
  getToken;
  WebSocketCtor;
  random;
  pingIntervalMs;
  pongTimeoutMs;
  backoff;
  gapGraceMs;
  timers;
  onListenerError;
  stateValue = "stopped";
  newest = null;
  attempt = 0;
  ws = null;
  running = false;
  everConnected = false;
  /** Bumped by every connection attempt and by stop(): a token that arrives late for an old one is dropped. */
  generation = 0;
  /** Waiting for getToken before opening a socket. */
  awaitingToken = false;
  /** The last socket closed with 4401: the next token must be a new one. */
  tokenRefused = false;
  /** 4401 closes since the last hello; past the first, reconnects wait their backoff. */
  unauthorizedStreak = 0;
  /**
   * A resume whose replay has not ended yet: it ends with the pong to the ping numbered `untilPong`
   * (pings are answered in order). `visible`: shown as catching_up / caught_up.
   */
  catchUp = null;
  pingsSent = 0;
  pongsReceived = 0;
  /** id -> the version last seen; bounded, oldest forgotten first. */
  seen = /* @__PURE__ */ new Map();
  listeners = /* @__PURE__ */ new Map();
  reconnectTimer = null;
  pingTimer = null;
  pongTimer = null;
  // Gap detection on the stream's numbers (reset by resetSeq()).
  /** Every seq up to this one has arrived or is settled; null: not known yet. */
  contiguous = null;
  /** The highest seq seen (0: none). */
  maxSeq = 0;
  /** seq -> notification id, to resume after the item at `contiguous`; bounded, oldest forgotten first. */
  seqIds = /* @__PURE__ */ new Map();
  /** `seq` of this socket's hello, settled by the catch-up that follows a reconnect. */
  helloSeq = null;
  gapTimer = null;
  /** The `contiguous` the running grace timer waits to see passed. */
  gapTimerAt = null;
  // The unread badge.
  unread = null;
  /** The stream position the server's last count covers: items numbered up to it are in that count. */
  countedSeq = null;
  constructor(options) {
    if (typeof options.url === "string") liveUrl(options.url);
    this.url = options.url;
    this.getToken = options.getToken;
    this.WebSocketCtor = options.WebSocket ?? globalThis.WebSocket;
    this.random = options.random ?? Math.random;
    this.pingIntervalMs = options.pingIntervalMs ?? 25e3;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 1e4;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.gapGraceMs = options.gapGraceMs ?? 2e3;
    const g = globalThis;
    this.timers = options.timers ?? { setTimeout: (fn, ms) => g.setTimeout(fn, ms), clearTimeout: (handle) => g.clearTimeout(handle) };
    this.onListenerError = options.onListenerError ?? ((error, event) => g.console?.error(`herald client: a ${event} listener threw`, error));
  }
  /** Where the connection stands. */
  get state() {
    return this.stateValue;
  }
  /** Whether start() was called (and stop() not since). */
  get started() {
    return this.running;
  }
  /** The newest notification id seen, over the socket or through noteSeen(): the next resume's cursor. */
  get newestId() {
    return this.newest;
  }
  /** The unread badge: the server's count, kept current by live items and local reads; null before the first hello. */
  get unreadCount() {
    return this.unread;
  }
  /** Every seq up to this one has arrived or is settled; null before the first hello. */
  get contiguousSeq() {
    return this.contiguous;
  }
  /** Whether this id was delivered (or noted) and is still remembered. */
  knows(id) {
    return this.seen.has(id);
  }
  /** Subscribes to an event; returns the unsubscribe function. */
  on(type, fn) {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, set = /* @__PURE__ */ new Set());
    set.add(fn);
    return () => void this.listeners.get(type)?.delete(fn);
  }
  start() {
    if (this.running) return;
    this.running = true;
    this.connect();
  }
  /** Closes the socket (1000) and stays closed; what was learnt (newest id, badge) is kept for a later start(). */
  stop() {
    this.running = false;
    this.generation += 1;
    this.awaitingToken = false;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1e3, "client stop");
      } catch {
      }
    }
    this.setState("stopped");
  }
  /** Forgets everything learnt about the person (newest id, seen ids, stream position, badge): after stop() on sign-out. */
  reset() {
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
  reconnectNow() {
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
  noteSeen(notifications) {
    for (const n of notifications) {
      if (!n || typeof n.id !== "string") continue;
      this.remember(n);
      this.recordSeq(n, false);
    }
  }
  /**
   * Marks notifications read: the badge drops at once for the ones known unread, and `read` frames
   * (at most 200 ids each) go out; the server answers with the exact count. False when not
   * connected: mark them read over HTTP instead (`POST /api/v1/notifications/:id/read`).
   */
  markRead(ids) {
    if (!ids.length) return false;
    let delta = 0;
    for (const id of new Set(ids)) {
      const known = this.seen.get(id);
      if (known?.unread) {
        known.unread = false;
        delta -= 1;
      }
    }
    this.adjustUnread(delta, "read");
    let sent = true;
    for (let i = 0; i < ids.length && sent; i += MAX_READ_IDS) sent = this.send({ type: "read", ids: ids.slice(i, i + MAX_READ_IDS) });
    return sent;
  }
  // --- the socket ----------------------------------------------------------------------------
  send(frame) {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }
  connect() {
    this.setState(this.everConnected ? "reconnecting" : "connecting");
    const reason = this.tokenRefused ? "unauthorized" : this.everConnected ? "reconnect" : "connect";
    const generation = ++this.generation;
    let token;
    try {
      token = this.getToken({ reason });
    } catch (err) {
      this.tokenFailed(err);
      return;
    }
    if (typeof token === "string") return this.open(token);
    this.awaitingToken = true;
    Promise.resolve(token).then(
      (value) => {
        if (generation !== this.generation) return;
        this.awaitingToken = false;
        if (this.running && !this.ws) this.open(value);
      },
      (err) => {
        if (generation !== this.generation) return;
        this.awaitingToken = false;
        if (this.running) this.tokenFailed(err);
      }
    );
  }
  tokenFailed(err) {
    const detail = err instanceof Error ? err.message : typeof err === "string" ? err : "no token";
    this.emit("error", { code: "token_unavailable", message: `getToken failed: ${detail}`, cause: err });
    this.emit("connect_failed", { attempt: this.attempt, error: err });
    this.scheduleReconnect();
  }
  open(token) {
    if (typeof token !== "string" || token === "") return this.tokenFailed(new TypeError("getToken must return a non-empty string"));
    this.tokenRefused = false;
    let ws;
    try {
      if (!this.WebSocketCtor) throw new TypeError("no WebSocket implementation: pass options.WebSocket");
      const url = liveUrl(typeof this.url === "function" ? this.url() : this.url);
      ws = new this.WebSocketCtor(url, [BEARER_SUBPROTOCOL, `${BEARER_PREFIX}${token}`]);
    } catch (err) {
      this.emit("connect_failed", { attempt: this.attempt, error: err });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    try {
      ws.binaryType = "arraybuffer";
    } catch {
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
      const resuming = this.newest !== null && this.send({ type: "resume", after: this.newest });
      this.startPinging();
      if (resumed) {
        this.beginCatchUp(true);
        this.setState("catching_up");
      } else {
        if (resuming) this.beginCatchUp(false);
        this.setState("live");
      }
    };
    ws.onmessage = (event) => {
      if (this.ws === ws) this.handleFrame(event.data);
    };
    ws.onerror = () => {
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      detach(ws);
      this.clearPingTimers();
      this.clearGapTimer();
      this.catchUp = null;
      const code = event?.code;
      if (!opened) this.emit("connect_failed", { attempt: this.attempt, ...code === void 0 ? {} : { code } });
      if (!this.running) return;
      if (code === CLOSE_CODES.UNAUTHORIZED) {
        this.tokenRefused = true;
        this.emit("unauthorized", { code: CLOSE_CODES.UNAUTHORIZED });
        this.scheduleReconnect(opened ? code : void 0);
        if (this.unauthorizedStreak++ === 0) this.reconnectNow();
        return;
      }
      this.scheduleReconnect(opened ? code : void 0);
    };
  }
  scheduleReconnect(closeCode) {
    this.attempt += 1;
    const retryInMs = backoffDelay(this.attempt, this.backoff, this.random);
    this.setState("reconnecting", { retryInMs, ...closeCode === void 0 ? {} : { closeCode } });
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running && !this.ws && !this.awaitingToken) this.connect();
    }, retryInMs);
  }
  // --- frames --------------------------------------------------------------------------------
  handleFrame(raw) {
    let frame;
    try {
      frame = JSON.parse(frameText(raw));
    } catch {
      return;
    }
    if (!frame || typeof frame !== "object") return;
    const f = frame;
    switch (f.type) {
      case "hello": {
        this.emit("frame", f);
        this.hello(f);
        this.unauthorizedStreak = 0;
        const unreadCount = f.unreadCount;
        this.emit("hello", { sessionId: f.sessionId, unreadCount, seq: this.helloSeq ?? void 0 });
        if (isCount(unreadCount)) this.setUnread(unreadCount, this.helloSeq, "hello");
        break;
      }
      case "notification":
        this.emit("frame", f);
        this.receive(f.notification);
        break;
      case "unread_count":
        this.emit("frame", f);
        if (isCount(f.count)) this.setUnread(f.count, Math.max(this.countedSeq ?? 0, this.maxSeq), "unread_count");
        break;
      case "error":
        this.emit("frame", f);
        if (f.code === "resume_in_progress") break;
        this.emit("error", { code: f.code, message: f.message });
        break;
      case "pong":
        this.emit("frame", f);
        this.timers.clearTimeout(this.pongTimer);
        this.pongTimer = null;
        this.pongsReceived += 1;
        if (this.catchUp && this.pongsReceived >= this.catchUp.untilPong) this.endCatchUp();
        break;
      default:
    }
  }
  receive(n) {
    if (!n || typeof n.id !== "string") return;
    this.recordSeq(n, true);
    const previous = this.seen.get(n.id);
    const fingerprint = fingerprintOf(n);
    if (previous?.fingerprint === fingerprint) return;
    const named = replacedIdsOf(n);
    const replaces = named.length || previous ? named : this.groupPredecessors(n);
    const isNew = previous === void 0 && !replaces.some((id) => this.seen.has(id));
    this.countDelivered(n, previous, replaces);
    for (const id of replaces) {
      const old = this.seen.get(id);
      if (old) old.unread = false;
    }
    this.remember(n, fingerprint);
    this.emit("notification", { notification: n, isNew, replaces });
  }
  /** The unread items of the same group, older than `n`, that this client knows. */
  groupPredecessors(n) {
    if (n.groupKey === void 0) return [];
    const ids = [];
    for (const [id, s] of this.seen) if (s.groupKey === n.groupKey && s.unread && compareIds(id, n.id) < 0) ids.push(id);
    return ids;
  }
  remember(n, fingerprint = fingerprintOf(n)) {
    this.seen.delete(n.id);
    this.seen.set(n.id, { fingerprint, unread: !n.readAt, groupKey: n.groupKey });
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value);
    if (this.newest === null || compareIds(n.id, this.newest) > 0) this.newest = n.id;
  }
  // --- the unread badge ----------------------------------------------------------------------
  setUnread(count, coveredSeq, cause) {
    this.countedSeq = coveredSeq;
    if (this.unread === count) return;
    this.unread = count;
    this.emit("unread", { count, cause });
  }
  adjustUnread(delta, cause) {
    if (!delta || this.unread === null) return;
    const count = Math.max(0, this.unread + delta);
    if (count === this.unread) return;
    this.unread = count;
    this.emit("unread", { count, cause });
  }
  /**
   * A delivered item moves the badge unless the server's last count already covers it (numbered
   * at or below that count's position: a replay after a reconnect, say). A new unread item counts
   * one; a new version that was read counts minus one; a successor takes the place of the unread
   * items it replaces. The server's next unread_count frame settles whatever this guessed.
   */
  countDelivered(n, previous, replaces) {
    const seq = seqOf(n);
    if (seq !== null && this.countedSeq !== null && seq <= this.countedSeq) return;
    let delta = (n.readAt ? 0 : 1) - (previous?.unread ? 1 : 0);
    if (!previous) {
      for (const id of replaces) if (this.seen.get(id)?.unread) delta -= 1;
    }
    this.adjustUnread(delta, "notification");
  }
  // --- gaps in the stream --------------------------------------------------------------------
  /** Forgets the stream position (sign-out, or a stream that started over). */
  resetSeq() {
    this.clearGapTimer();
    this.contiguous = null;
    this.maxSeq = 0;
    this.seqIds.clear();
    this.helloSeq = null;
  }
  /** hello: the stream's newest seq when the socket opened. */
  hello(frame) {
    const seq = typeof frame.seq === "number" && Number.isInteger(frame.seq) && frame.seq >= 0 ? frame.seq : null;
    this.helloSeq = seq;
    if (seq === null) return;
    if (seq < this.maxSeq) {
      this.resetSeq();
      this.helloSeq = seq;
    }
    if (this.contiguous === null) this.setContiguous(seq);
  }
  /**
   * Notes where a notification stands in the stream. `live`: it came over the socket, so a jump past
   * a missing number may start the grace timer; from the HTTP inbox it only fills holes.
   */
  recordSeq(n, live) {
    const seq = seqOf(n);
    if (seq === null) return;
    this.seqIds.delete(seq);
    this.seqIds.set(seq, n.id);
    if (this.seqIds.size > SEQ_LIMIT) this.seqIds.delete(this.seqIds.keys().next().value);
    if (live && seq > this.maxSeq) this.maxSeq = seq;
    if (this.contiguous !== null) this.setContiguous(this.contiguous);
  }
  /** Everything up to `seq` has arrived or is settled; numbers already known past it follow. */
  setContiguous(seq) {
    while (this.seqIds.has(seq + 1)) seq += 1;
    this.contiguous = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
    if (this.gapTimer !== null && this.gapTimerAt !== null && seq > this.gapTimerAt) this.clearGapTimer();
    this.watchForGap();
  }
  watchForGap() {
    if (this.gapTimer !== null || this.catchUp || this.contiguous === null || this.contiguous >= this.maxSeq) return;
    this.gapTimerAt = this.contiguous;
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
    const c = this.contiguous;
    if (c === null || c >= this.maxSeq) return;
    if (this.catchUp || !this.ws || this.ws.readyState !== OPEN) return;
    const below = this.idAtOrBefore(c) ?? this.newest;
    const after = below && earlierCursor(below, GAP_LOOKBACK_MS);
    if (!after || !this.send({ type: "resume", after })) return;
    this.beginCatchUp(true);
    this.setState("catching_up");
    this.emit("gap", { from: c + 1, to: this.maxSeq - 1 });
  }
  /** The id of the item at `seq`, else of the nearest known one below it (its replay only repeats what we have). */
  idAtOrBefore(seq) {
    const exact = this.seqIds.get(seq);
    if (exact !== void 0) return exact;
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
    const known = [this.contiguous, this.helloSeq, this.maxSeq || null].filter((s) => s !== null);
    if (known.length) this.setContiguous(Math.max(...known));
    if (visible) this.setState("caught_up");
  }
  // --- heartbeat -----------------------------------------------------------------------------
  startPinging() {
    this.clearPingTimers();
    const tick = () => {
      this.ping();
      this.pingTimer = this.timers.setTimeout(tick, this.pingIntervalMs);
    };
    this.pingTimer = this.timers.setTimeout(tick, this.pingIntervalMs);
  }
  /** Whether the ping went out. */
  ping() {
    if (!this.send({ type: "ping" })) return false;
    this.pingsSent += 1;
    if (this.pongTimer !== null) return true;
    this.pongTimer = this.timers.setTimeout(() => {
      this.pongTimer = null;
      const ws = this.ws;
      if (!ws) return;
      const onclose = ws.onclose;
      try {
        ws.close(PONG_TIMEOUT_CLOSE, "pong timeout");
      } catch {
      }
      onclose?.({ code: PONG_TIMEOUT_CLOSE });
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
  // --- events --------------------------------------------------------------------------------
  setState(state, extra = {}) {
    this.stateValue = state;
    this.emit("status", { state, attempt: this.attempt, ...extra });
  }
  emit(type, payload) {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(payload);
      } catch (err) {
        this.onListenerError(err, type);
      }
    }
  }
};
var isCount = (value) => typeof value === "number" && Number.isInteger(value) && value >= 0;
function fingerprintOf(n) {
  return JSON.stringify([n.count ?? 1, n.readAt ?? null, n.title ?? "", n.body ?? "", n.actor?.id ?? "", n.createdAt ?? ""]);
}
function detach(ws) {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = ignore;
}
var ignore = () => {
};
function liveUrl(raw) {
  const url = String(raw).trim().replace(/^http(s?):\/\//i, "ws$1://");
  const match = /^(wss?:\/\/[^/?#]+)(\/[^?#]*)?(.*)$/i.exec(url);
  if (!match) throw new TypeError(`not a ws(s):// or http(s):// URL: ${JSON.stringify(raw)}`);
  const [, origin, path, rest] = match;
  if (/[?&](token|access_token)=/i.test(rest)) throw new TypeError("the access token must not be in the URL: getToken supplies it, and it travels as a subprotocol");
  return !path || path === "/" ? `${origin}${LIVE_PATH}${rest}` : url;
}
export {
  BEARER_PREFIX,
  BEARER_SUBPROTOCOL,
  CLOSE_ADVICE,
  CLOSE_CODES,
  DEFAULT_BACKOFF,
  GAP_LOOKBACK_MS,
  HeraldClient,
  LIVE_PATH,
  MAX_READ_IDS,
  backoffDelay,
  compareIds,
  earlierCursor,
  liveUrl,
  replacedIdsOf,
  seqOf
};
