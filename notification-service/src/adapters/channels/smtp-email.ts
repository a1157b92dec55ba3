import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { ChannelSendError, type ChannelProvider, type OutboundMessage, type SentReceipt } from '../../domain/channels.js';

export interface SmtpEmailOptions {
  /** Provider name in attempts, breaker states and metrics: `smtp`, `smtp-fallback`, ... */
  name?: string;
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://...` (TLS from the start); user and password URL-encoded. */
  url: string;
  /** MAIL_FROM: `Herald <no-reply@example.com>`. */
  from: string;
  /** Pooled connections kept open to the relay; bounded so a burst cannot exhaust its limits. */
  maxConnections?: number;
  /** Messages per pooled connection before it is recycled. */
  maxMessages?: number;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  /** Idle time allowed mid-conversation (e.g. waiting for the answer to DATA). */
  socketTimeoutMs?: number;
  /** Extra TLS options, e.g. `{ rejectUnauthorized: false }` for a dev relay with a self-signed certificate. */
  tls?: SMTPPool.Options['tls'];
}

/** Email over SMTP with nodemailer's pooled transport. */
export class SmtpEmailProvider implements ChannelProvider {
  readonly name: string;
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;

  constructor(private readonly opts: SmtpEmailOptions) {
    this.name = opts.name ?? 'smtp';
    const timeouts = {
      connectionTimeout: opts.connectionTimeoutMs ?? 10_000,
      greetingTimeout: opts.greetingTimeoutMs ?? 10_000,
      socketTimeout: opts.socketTimeoutMs ?? 15_000,
    };
    this.transport = nodemailer.createTransport({
      ...connectionFromUrl(opts.url),
      pool: true,
      maxConnections: opts.maxConnections ?? 5,
      maxMessages: opts.maxMessages ?? 100,
      // The pool otherwise re-sends a message forever when its connection drops mid-send; one
      // retry is enough here because the caller owns retries (with backoff and failover).
      maxRequeues: 1,
      ...timeouts,
      ...(opts.tls ? { tls: opts.tls } : {}),
    } as SMTPPool.Options);
    // Failures reach send()'s caller; an unheard 'error' event would crash the process instead.
    this.transport.on('error', () => undefined);
  }

  async send(message: OutboundMessage): Promise<SentReceipt> {
    const messageId = `<${messageIdLocalPart(message.deliveryId)}@herald>`;
    try {
      await this.transport.sendMail({
        from: this.opts.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        // Stable per delivery: a retry that reaches the inbox twice is recognisably the same
        // message, and bounces / replies can be tied back to the delivery.
        messageId,
      });
    } catch (err) {
      throw classifySmtpError(this.name, err);
    }
    return { provider: this.name, providerMessageId: messageId };
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * nodemailer's own `url` option makes it ignore every other option (pool, timeouts) without a word,
 * so the URL is taken apart here.
 */
function connectionFromUrl(raw: string): { host: string; port?: number; secure: boolean; auth?: { user: string; pass: string } } {
  const url = new URL(raw);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`SMTP URL must be smtp:// or smtps://, got ${url.protocol}`);
  const connection: ReturnType<typeof connectionFromUrl> = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    secure: url.protocol === 'smtps:',
  };
  // Without a port nodemailer picks 587 (smtp) or 465 (smtps).
  if (url.port) connection.port = Number(url.port);
  if (url.username) connection.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  return connection;
}

/** A Message-ID's left part must be a dot-atom; anything else in a delivery id is replaced, not dropped. */
function messageIdLocalPart(deliveryId: string): string {
  const atom = deliveryId.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '-').replace(/\.{2,}/g, '.').replace(/^\.|\.$/g, '-');
  return atom || 'delivery';
}

interface SmtpErrorShape {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

/** Enhanced status 5.1.x is about the destination mailbox or its address (RFC 3463); 5.1.7/5.1.8 are the sender's. */
const RECIPIENT_ENHANCED = /\b5\.1\.(?!7\b|8\b)\d{1,3}\b/;
const RECIPIENT_CODES = new Set([550, 551, 553]);

/**
 * nodemailer's errors into the port's kinds. Its own `code` (ESOCKET, ECONNECTION, ...) replaces the
 * socket's, so connection refused / reset are recognised from the message it keeps.
 */
export function classifySmtpError(provider: string, err: unknown): ChannelSendError {
  const e = (err ?? {}) as SmtpErrorShape;
  const message = e.message ?? String(err);
  const status = e.responseCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // A 4xx for one recipient (greylisting, a full mailbox) says nothing about the relay's health.
    return new ChannelSendError('transient', e.command === 'RCPT TO' ? 'smtp_4xx_recipient' : 'smtp_4xx', message, provider);
  }
  if (status !== undefined && status >= 500) {
    const aboutRecipient = (e.command === 'RCPT TO' && RECIPIENT_CODES.has(status)) || RECIPIENT_ENHANCED.test(e.response ?? '');
    if (aboutRecipient) return new ChannelSendError('address', 'recipient_rejected', message, provider);
    if (e.code === 'EAUTH') return new ChannelSendError('permanent', 'auth_refused', message, provider);
    return new ChannelSendError('permanent', 'smtp_5xx', message, provider);
  }
  if (/ECONNREFUSED/.test(message)) return new ChannelSendError('transient', 'connection_refused', message, provider);
  if (/ECONNRESET|EPIPE/.test(message)) return new ChannelSendError('transient', 'connection_reset', message, provider);
  switch (e.code) {
    case 'ETIMEDOUT':
      return new ChannelSendError('transient', 'timeout', message, provider);
    case 'EPROTOCOL':
      return new ChannelSendError('transient', 'greeting', message, provider);
    case 'EDNS':
      return new ChannelSendError('transient', 'dns', message, provider);
    case 'ETLS':
      return new ChannelSendError('transient', 'tls', message, provider);
    case 'EAUTH':
      return new ChannelSendError('permanent', 'auth_refused', message, provider);
    // Without a server answer these are nodemailer refusing the input itself.
    case 'EENVELOPE':
      return new ChannelSendError('address', 'invalid_address', message, provider);
    case 'EMESSAGE':
      return new ChannelSendError('permanent', 'invalid_message', message, provider);
    case 'ESOCKET':
    case 'ECONNECTION':
    default:
      return new ChannelSendError('transient', 'connection_closed', message, provider);
  }
}
