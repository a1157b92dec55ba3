import WebSocket from 'ws';

export type Frame = { type: string } & Record<string, unknown>;

/**
 * A WebSocket client for tests: records every frame and close, and waits for what a test expects
 * with a deadline, so a missing frame fails the test rather than hanging it.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  /** Frames already returned by next(). */
  private readonly taken = new Set<number>();
  private wake: (() => void) | undefined;
  closeEvent: { code: number; reason: string } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closeEvent = { code, reason: String(reason) };
        resolve(this.closeEvent);
        this.wake?.();
      }),
    );
    ws.on('error', () => {});
  }

  static async connect(url: string, options: { token?: string; protocols?: string[]; autoPong?: boolean } = {}): Promise<TestClient> {
    const target = options.token ? `${url}?token=${encodeURIComponent(options.token)}` : url;
    const ws = new WebSocket(target, options.protocols ?? [], { autoPong: options.autoPong ?? true, perMessageDeflate: false });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return client;
  }

  /** An upgrade that the server should refuse: its HTTP status, headers and JSON body. */
  static async refused(url: string, protocols: string[] = [], headers: Record<string, string> = {}) {
    const ws = new WebSocket(url, protocols, { headers });
    return new Promise<{ status: number; headers: Record<string, unknown>; body: unknown; opened: boolean }>((resolve, reject) => {
      ws.once('open', () => {
        ws.terminate();
        resolve({ status: 101, headers: {}, body: undefined, opened: true });
      });
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined, opened: false }));
      });
      ws.once('error', (err) => {
        if (!/Unexpected server response/.test(err.message)) reject(err);
      });
    });
  }

  /** Objects go as JSON text, strings as they are, Buffers as binary frames. */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The next frame of this type not yet taken (frames of other types are left in place). */
  async next(type: string, timeoutMs = 5_000): Promise<Frame> {
    const probe = () => this.frames.findIndex((f, i) => !this.taken.has(i) && f.type === type);
    const found = await this.until(probe, (i) => i >= 0, timeoutMs, `a "${type}" frame`);
    this.taken.add(found);
    return this.frames[found]!;
  }

  /** Waits until `check` holds on what was received. */
  async waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    await this.until(check, (ok) => ok, timeoutMs, what);
  }

  notificationIds(): string[] {
    return this.frames.filter((f) => f.type === 'notification').map((f) => (f.notification as { id: string }).id);
  }

  counts(): number[] {
    return this.frames.filter((f) => f.type === 'unread_count').map((f) => f.count as number);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 1_000))]);
    this.ws.terminate();
  }

  private async until<T>(probe: () => T, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (done(value)) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.frames).slice(0, 500)}; close ${JSON.stringify(this.closeEvent)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
