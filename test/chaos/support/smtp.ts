import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 counting what it accepts by Message-ID. Herald's email
 * Message-ID is `<notification id>.email@herald`, so a second message with the same id is a
 * duplicate send of one delivery. No MIME parsing: only the header block is scanned.
 */
export class CountingSmtpSink {
  /** Message-ID (without brackets) → times received, and when first. */
  readonly received = new Map<string, { count: number; firstAt: number }>();
  total = 0;
  withoutId = 0;
  private server: SMTPServer | undefined;
  port = 0;

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      disableReverseLookup: true,
      logger: false,
      closeTimeout: 50,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.record(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private record(raw: string): void {
    this.total++;
    const head = raw.slice(0, Math.max(0, raw.indexOf('\r\n\r\n')) || raw.length);
    const id = /^message-id:\s*<([^>]+)>/im.exec(head)?.[1]?.toLowerCase();
    if (!id) {
      this.withoutId++;
      return;
    }
    const seen = this.received.get(id);
    if (seen) seen.count++;
    else this.received.set(id, { count: 1, firstAt: Date.now() });
  }

  /** Times the email of notification `id` arrived. */
  countFor(notificationId: string): number {
    return this.received.get(`${notificationId.toLowerCase()}.email@herald`)?.count ?? 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
