import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string | undefined; to: string[] };
  raw: string;
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  messageId: string | undefined;
  user: string | undefined;
}

/**
 * A real SMTP server in the test process (127.0.0.1, a free port), recording what it accepts.
 * The knobs make it misbehave the way relays do: reject a recipient (550), defer one (451),
 * answer slowly, refuse at greeting (421), or not listen at all (stop → connection refused).
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  /** Recipients answered `550 5.1.1` at RCPT TO. */
  readonly rejectRecipients = new Set<string>();
  /** Recipients answered `451 4.3.0` at RCPT TO. */
  readonly deferRecipients = new Set<string>();
  /** Wait this long before answering DATA. */
  delayMs = 0;
  /** Answer every new connection's greeting with `421` and hang up. */
  refuseGreeting = false;
  /** TCP connections accepted so far (counted even when the greeting is refused). */
  connections = 0;
  private server: SMTPServer | undefined;
  private portNumber = 0;

  get port(): number {
    return this.portNumber;
  }

  /** `smtp://user:pass@127.0.0.1:port`, for SmtpEmailProvider. */
  get url(): string {
    return `smtp://sink:secret@127.0.0.1:${this.portNumber}`;
  }

  /** Listens on a fresh port the first time, and on the same one after stop(). */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.portNumber = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops open (pooled) connections: new connects get ECONNREFUSED. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `count` messages arrived (mail is accepted asynchronously by the pool). */
  async waitForMessages(count: number, timeoutMs = 5_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${this.messages.length}`);
      await sleep(10);
    }
    return this.messages;
  }

  private createServer(): SMTPServer {
    const server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      // Stopping must not wait 30 s for the client's pooled connections.
      closeTimeout: 50,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
      onConnect: (_session, callback) => {
        this.connections++;
        if (this.refuseGreeting) return callback(smtpError(421, '4.3.2 Service not available, try later'));
        callback();
      },
      onRcptTo: (address, _session, callback) => this.onRcptTo(address, callback),
      onData: (stream, session, callback) => {
        this.onData(stream, session).then(() => callback(), callback);
      },
    });
    // smtp-server emits client socket errors here; a test's abrupt disconnect is not a failure.
    server.on('error', () => undefined);
    return server;
  }

  private onRcptTo(address: SMTPServerAddress, callback: (err?: Error | null) => void): void {
    const to = address.address.toLowerCase();
    if (this.rejectRecipients.has(to)) return callback(smtpError(550, `5.1.1 <${to}>: Recipient address rejected: User unknown`));
    if (this.deferRecipients.has(to)) return callback(smtpError(451, `4.3.0 <${to}>: Temporary lookup failure`));
    callback();
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (this.delayMs > 0) await sleep(this.delayMs);
    const raw = Buffer.concat(chunks).toString('utf8');
    const parsed = await simpleParser(raw);
    const from = session.envelope.mailFrom;
    this.messages.push({
      envelope: { from: from ? from.address : undefined, to: session.envelope.rcptTo.map((r) => r.address) },
      raw,
      subject: parsed.subject,
      text: parsed.text,
      html: parsed.html === false ? undefined : parsed.html,
      messageId: parsed.messageId,
      user: typeof session.user === 'string' ? session.user : undefined,
    });
  }
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpSink(): Promise<SmtpSink> {
  return new SmtpSink().start();
}
