import { ChannelSendError, type ChannelProvider, type OutboundMessage, type SentReceipt } from '../../domain/channels.js';
import { excerpt, postWithTimeout, parseRetryAfter } from './http.js';

export interface TwilioSmsOptions {
  /** Provider name in attempts, breaker states and metrics. */
  name?: string;
  accountSid: string;
  authToken: string;
  /** Sender: an E.164 number or alphanumeric sender id. Ignored when messagingServiceSid is set. */
  from?: string;
  /** Twilio Messaging Service (`MG...`): Twilio picks the sender from its pool. */
  messagingServiceSid?: string;
  /** `https://api.twilio.com` by default; a Twilio-compatible API or a local fake otherwise. */
  baseUrl?: string;
  timeoutMs?: number;
}

/** Twilio rejects bodies longer than this with error 21617, which no retry would fix. */
const MAX_BODY = 1600;

/**
 * Twilio error codes that mean the number itself will not take messages: invalid (21211), not
 * SMS-capable/unreachable (21614, 21612), or the person replied STOP (21610). The delivery bounces
 * and the number is marked undeliverable until the person changes it.
 */
const ADDRESS_CODES = new Set([21211, 21612, 21610, 21614]);

/** SMS through Twilio's Messages API (or anything that speaks it). */
export class TwilioSmsProvider implements ChannelProvider {
  readonly name: string;
  private readonly endpoint: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: TwilioSmsOptions) {
    if (!opts.from && !opts.messagingServiceSid) throw new Error('TwilioSmsProvider needs `from` or `messagingServiceSid`');
    this.name = opts.name ?? 'twilio';
    const base = (opts.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async send(message: OutboundMessage): Promise<SentReceipt> {
    const form = new URLSearchParams({ To: message.to, Body: smsBody(message.text) });
    if (this.opts.messagingServiceSid) form.set('MessagingServiceSid', this.opts.messagingServiceSid);
    else form.set('From', this.opts.from ?? '');
    if (message.statusCallbackUrl) form.set('StatusCallback', message.statusCallbackUrl);

    const answer = await postWithTimeout(this.name, this.endpoint, {
      headers: {
        authorization: this.authorization,
        accept: 'application/json',
        // Twilio answers a repeated token with the first message instead of sending again, so a
        // retry after a lost response cannot text the person twice.
        'i-twilio-idempotency-token': message.deliveryId,
      },
      body: form,
      timeoutMs: this.timeoutMs,
    });

    const json = parseJson(answer.body);
    if (answer.status >= 200 && answer.status < 300) {
      // Accepted is accepted: an unreadable body must not turn into a retry.
      const sid = typeof json?.sid === 'string' ? json.sid : undefined;
      return sid === undefined ? { provider: this.name } : { provider: this.name, providerMessageId: sid };
    }
    throw this.failure(answer.status, json, answer.body, parseRetryAfter(answer.headers.get('retry-after')));
  }

  private failure(status: number, json: Record<string, unknown> | undefined, body: string, retryAfterMs?: number): ChannelSendError {
    const code = typeof json?.code === 'number' ? json.code : undefined;
    const detail = typeof json?.message === 'string' ? json.message : excerpt(body);
    const message = `Twilio answered ${status}${code === undefined ? '' : ` (code ${code})`}: ${detail}`;
    if (status === 429 || status >= 500) {
      return new ChannelSendError('transient', status === 429 ? 'http_429' : 'http_5xx', message, this.name, retryAfterMs);
    }
    if (code !== undefined && ADDRESS_CODES.has(code)) {
      return new ChannelSendError('address', `twilio_${code}`, message, this.name);
    }
    if (status === 401 || status === 403) return new ChannelSendError('permanent', 'auth_refused', message, this.name);
    return new ChannelSendError('permanent', code === undefined ? `http_${status}` : `twilio_${code}`, message, this.name);
  }
}

function smsBody(text: string): string {
  return text.length <= MAX_BODY ? text : `${text.slice(0, MAX_BODY - 1)}…`;
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
