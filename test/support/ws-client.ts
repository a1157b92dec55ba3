import WebSocket from 'ws';
import { waitFor } from './wait.js';

export type Frame = { type: string } & Record<string, any>;

/** A live-delivery client as a phone or tab would be: records frames, can resume after an id. */
export class LiveClient {
  readonly frames: Frame[] = [];
  /** Frames that arrived as binary: docs/protocol.md's frames are JSON text, so this must stay 0. */
  binaryFrames = 0;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.binaryFrames++;
      this.frames.push(JSON.parse(String(data)));
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static async connect(baseUrl: string, token: string): Promise<LiveClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`;
    const client = new LiveClient(new WebSocket(url, { perMessageDeflate: false }));
    await new Promise<void>((resolve, reject) => {
      client.ws.once('open', () => resolve());
      client.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      client.ws.once('error', reject);
    });
    await waitFor(() => client.frames.find((f) => f.type === 'hello'), { what: 'hello frame' });
    return client;
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  notifications(): Frame['notification'][] {
    return this.frames.filter((f) => f.type === 'notification').map((f) => f.notification);
  }

  notificationIds(): string[] {
    return this.notifications().map((n: { id: string }) => n.id);
  }

  async waitForNotifications(count: number, what = `${count} notifications`): Promise<void> {
    await waitFor(() => this.notifications().length >= count, { timeoutMs: 20_000, what });
  }

  close(): void {
    this.ws.close();
  }
}
