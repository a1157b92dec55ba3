import WebSocket from 'ws';

export interface Arrival {
  id: string;
  objectId: string | undefined;
  /** Its number in the recipient's stream (docs/api.md "Seeing a gap"). */
  seq: number | undefined;
  at: number;
  /** Which connection of this client (1 = first) it came on. */
  conn: number;
}

/** The creation time (ms) in a UUIDv7's first 48 bits. */
export const idTime = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

/** A UUIDv7 lower bound of a moment: its ms timestamp, every other bit zero (the server's own "opened at" cursor). */
export function uuidv7Floor(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/**
 * A client as the web demo or a phone behaves: keeps the newest notification id it has shown, and on
 * every (re)connect sends `resume` with it; reconnects with backoff after any close it did not ask
 * for (1012, 1011, 1013, 4001, 1006 ...), to its own gateway first and the other one if that fails
 * (a load balancer's other target); sends `resume` again when told `resume_failed`. Like the web
 * demo, it watches the `seq` numbers of its stream (docs/api.md "Seeing a gap"): a number missing
 * for 2 s behind a later one is a gap, repaired by one `resume` from 30 s before the item below the
 * hole (ids are made before their numbers, so the missing one may be older), with a `ping` behind it (the pong marks the end of the replay; repeats inside the replay are expected and
 * not counted as duplicates). It records every frame so a scenario can check what arrived: each id
 * once, nothing missing, and when.
 */
export class ChaosClient {
  readonly arrivals: Arrival[] = [];
  readonly ids = new Set<string>();
  duplicates = 0;
  /** The frames that repeated an id this client already had (object id and when). */
  readonly duplicateArrivals: Arrival[] = [];
  /** Frames whose id was lower than one this client had already been sent (order inversions). */
  inversions = 0;
  cursor: string;
  connections = 0;
  resumesSent = 0;
  /** Every resume sent: when, and after which id. */
  readonly resumeLog: { at: number; cursor: string }[] = [];
  resumeFailedFrames = 0;
  /**
   * Per connection, how many arrivals there were when the pong of the `ping` sent behind its first
   * `resume` came: the replay is `arrivals` below that index on that connection (the protocol has
   * no end-of-replay frame; a pong is answered after any replay running on the socket).
   */
  readonly replayEnds = new Map<number, number>();
  private replayOf: number | undefined;
  readonly closeCodes: Record<string, number> = {};
  upgradeFailures = 0;
  /** Connected and past `hello`. */
  open = false;
  gatewayIndex: number;
  private ws: WebSocket | undefined;
  private wanted = false;
  private backoff = 100;
  private timer: NodeJS.Timeout | undefined;
  private maxId = '';
  onNotification?: (a: Arrival) => void;
  /** When each gap repair was sent (a resume after the item below a missing seq). */
  readonly gapRepairs: number[] = [];
  /** Ids repeated inside a gap repair's replay: expected, so not duplicates. */
  replayRepeats = 0;
  /** seq -> id of what arrived; every seq up to `contiguous` has arrived or is settled. */
  private readonly seqIds = new Map<number, string>();
  private contiguous: number | undefined;
  private maxSeq = 0;
  /** The contiguous seq a gap has stood at, and since when. */
  private gapSince: { at: number; seq: number } | undefined;
  /** A gap repair in flight: the highest seq known when it was sent (holes below it close at its pong). */
  private repairing: { upTo: number } | undefined;
  private gapTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly userId: string,
    readonly token: string,
    private readonly gateways: string[],
    readonly home: number,
    startedAt = Date.now(),
  ) {
    this.gatewayIndex = home;
    this.cursor = uuidv7Floor(startedAt - 1000);
  }

  /** Connects (and keeps reconnecting) until stop(); resolves on the first hello. */
  async start(timeoutMs = 20_000): Promise<void> {
    this.wanted = true;
    this.connect();
    const t0 = Date.now();
    while (!this.open) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`client ${this.userId} did not connect within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Goes away for a while: the socket is closed by the client (code 1000), no reconnect. */
  goOffline(): void {
    this.wanted = false;
    clearTimeout(this.timer);
    this.open = false;
    this.ws?.close(1000, 'offline');
  }

  /** Comes back: connects again and resumes after the newest id it has. */
  async comeBack(gatewayIndex = this.home): Promise<void> {
    this.gatewayIndex = gatewayIndex;
    this.backoff = 100;
    await this.start();
  }

  /** Drops the socket and reconnects to the home gateway (rebalancing between scenarios). */
  async rehome(): Promise<void> {
    if (this.gatewayIndex === this.home && this.open) return;
    this.goOffline();
    await new Promise((r) => setTimeout(r, 50));
    await this.comeBack(this.home);
  }

  stop(): void {
    this.wanted = false;
    clearTimeout(this.timer);
    clearInterval(this.gapTimer);
    this.open = false;
    this.ws?.terminate();
  }

  private connect(): void {
    if (!this.wanted) return;
    const base = this.gateways[this.gatewayIndex]!;
    const conn = ++this.connections;
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.token)}`, { perMessageDeflate: false, handshakeTimeout: 5000 });
    this.ws = ws;
    let helloed = false;
    ws.on('message', (data) => {
      let frame: any;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (frame.type === 'hello') {
        helloed = true;
        this.open = true;
        this.backoff = 100;
        // First connection: everything up to the stream's head is history, not expected here.
        if (this.contiguous === undefined && Number.isInteger(frame.seq)) this.contiguous = frame.seq;
        this.repairing = undefined;
        this.gapTimer ??= setInterval(() => this.checkGap(), 250);
        this.resume(ws);
        this.replayOf = conn;
        ws.send(JSON.stringify({ type: 'ping' }));
      } else if (frame.type === 'notification') {
        this.onFrame(frame.notification, conn);
      } else if (frame.type === 'pong' && this.replayOf === conn) {
        this.replayEnds.set(conn, this.arrivals.length);
        this.replayOf = undefined;
        if (this.repairing) {
          this.advance(Math.max(this.contiguous ?? 0, this.repairing.upTo));
          this.repairing = undefined;
        }
      } else if (frame.type === 'pong' && this.repairing) {
        // The replay has ended: a hole it did not fill was left by an item superseded for good.
        this.advance(Math.max(this.contiguous ?? 0, this.repairing.upTo));
        this.repairing = undefined;
      } else if (frame.type === 'error' && frame.code === 'resume_failed') {
        this.resumeFailedFrames++;
        setTimeout(() => ws.readyState === WebSocket.OPEN && this.resume(ws), 1000);
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      this.upgradeFailures++;
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.open = false;
      if (helloed) this.closeCodes[String(code)] = (this.closeCodes[String(code)] ?? 0) + 1;
      if (!this.wanted) return;
      // Refused or never opened: try the other gateway next (the balancer's other target).
      if (!helloed) this.gatewayIndex = (this.gatewayIndex + 1) % this.gateways.length;
      const delay = this.backoff * (0.5 + Math.random());
      this.backoff = Math.min(this.backoff * 2, 2000);
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  private resume(ws: WebSocket): void {
    this.resumesSent++;
    this.resumeLog.push({ at: Date.now(), cursor: this.cursor });
    ws.send(JSON.stringify({ type: 'resume', after: this.cursor }));
  }

  /** A seq missing for 2 s behind a later one: resume after the item below the hole, then ping. */
  private checkGap(): void {
    const ws = this.ws;
    if (!this.open || !ws || ws.readyState !== WebSocket.OPEN || this.repairing || this.contiguous === undefined || this.contiguous >= this.maxSeq) {
      this.gapSince = undefined;
      return;
    }
    const now = Date.now();
    if (!this.gapSince || this.gapSince.seq !== this.contiguous) {
      this.gapSince = { at: now, seq: this.contiguous };
      return;
    }
    if (now - this.gapSince.at < 2000) return;
    let below = this.contiguous;
    while (below > 0 && !this.seqIds.has(below)) below--;
    // Ids are made before the transaction that numbers them, so the missing item's id may be older
    // than the id of the item below the hole: resume from 30 s before that one (repeats inside the
    // replay are expected and dropped).
    const belowId = this.seqIds.get(below);
    const after = uuidv7Floor((belowId ? idTime(belowId) : now) - 30_000);
    this.gapRepairs.push(now);
    this.repairing = { upTo: this.maxSeq };
    this.gapSince = undefined;
    this.resumeLog.push({ at: now, cursor: after });
    ws.send(JSON.stringify({ type: 'resume', after }));
    ws.send(JSON.stringify({ type: 'ping' }));
  }

  private advance(from: number): void {
    let seq = from;
    while (this.seqIds.has(seq + 1)) seq++;
    this.contiguous = seq;
  }

  private onFrame(n: { id: string; seq?: number; object?: { id: string } }, conn: number): void {
    const at = Date.now();
    if (typeof n.seq === 'number') {
      this.seqIds.set(n.seq, n.id);
      if (n.seq > this.maxSeq) this.maxSeq = n.seq;
      if (this.contiguous !== undefined) this.advance(this.contiguous);
    }
    if (this.ids.has(n.id)) {
      if (this.repairing) {
        this.replayRepeats++;
        return;
      }
      this.duplicates++;
      this.duplicateArrivals.push({ id: n.id, objectId: n.object?.id, seq: n.seq, at, conn });
      return;
    }
    if (n.id < this.maxId) this.inversions++;
    else this.maxId = n.id;
    this.ids.add(n.id);
    if (n.id > this.cursor) this.cursor = n.id;
    const arrival = { id: n.id, objectId: n.object?.id, seq: n.seq, at, conn };
    this.arrivals.push(arrival);
    this.onNotification?.(arrival);
  }
}
