/**
 * Out-of-band channels: the one definition every channel list is derived from (schemas, policy,
 * queues, workers, the web demo's settings), and the port a channel's providers implement.
 *
 * Adding a channel = one entry here + one provider adapter (src/adapters/channels/) + one
 * registration in src/channels/registry.ts. docs/channels.md walks through it.
 */

export interface ChannelDefinition {
  /** Human name for messages to people ("your email address bounced"). */
  label: string;
  /** Where the address comes from: the account (email, phone), a preference, or subscriptions. */
  address: 'email' | 'phone' | 'slackWebhookUrl' | 'pushSubscription';
  /** False while the channel's worker is not built: preferences accept it, nothing is attempted. */
  enabled: boolean;
  /** What to tell someone whose channel finally failed. */
  fixHint: string;
}

export const OUT_OF_BAND: Readonly<Record<'email' | 'sms' | 'slack' | 'push', ChannelDefinition>> = Object.freeze({
  email: { label: 'email', address: 'email', enabled: true, fixHint: 'Check the email address in your profile.' },
  sms: { label: 'SMS', address: 'phone', enabled: true, fixHint: 'Check the phone number in your profile (international format, e.g. +14155550123).' },
  slack: { label: 'Slack', address: 'slackWebhookUrl', enabled: true, fixHint: 'Check the Slack webhook URL in your notification settings.' },
  push: { label: 'push', address: 'pushSubscription', enabled: true, fixHint: 'Switch on “Push notifications on this device” in your notification settings again (and allow notifications for this site in your browser).' },
});

export type OutOfBandChannel = keyof typeof OUT_OF_BAND;
export const OUT_OF_BAND_CHANNELS = Object.keys(OUT_OF_BAND) as OutOfBandChannel[];
export const ENABLED_OUT_OF_BAND_CHANNELS = OUT_OF_BAND_CHANNELS.filter((c) => OUT_OF_BAND[c].enabled);

export function isOutOfBandChannel(value: unknown): value is OutOfBandChannel {
  return typeof value === 'string' && Object.hasOwn(OUT_OF_BAND, value);
}

/** One message to one address on one channel, as a provider receives it. */
export interface OutboundMessage {
  /** Stable per delivery (notification × channel): the email Message-ID and the provider idempotency key. */
  deliveryId: string;
  channel: OutOfBandChannel;
  /** Email address, E.164 phone number, Slack incoming-webhook URL, or (push) the person's id: their subscriptions are read at send time. */
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** `mrkdwn`: `text` is Slack mrkdwn its template already escaped; the provider sends it as it is. */
  format?: 'mrkdwn';
  /** Push: where a tap on the notification leads. */
  url?: string;
  /** Push: what the service worker gets besides the words (docs/channels.md "Web Push"); `urgent` sends it with Urgency: high. */
  push?: { notificationId: string; type: string; tag?: string; urgent: boolean };
  /** SMS: where the provider posts delivery receipts. */
  statusCallbackUrl?: string;
}

export interface SentReceipt {
  provider: string;
  /** The provider's own id (SMTP Message-ID, Twilio MessageSid), kept for receipts. */
  providerMessageId?: string;
}

/**
 * transient: try again later (connection refused, timeout, SMTP 4xx, HTTP 429/5xx).
 * permanent: this message will never go (malformed request, auth refused).
 * address: the recipient's address is the problem (SMTP 550, invalid number, Slack webhook gone): the
 * delivery ends `bounced` and the address is marked undeliverable until the person changes it.
 */
export type FailureKind = 'transient' | 'permanent' | 'address';

/**
 * The error class of a send that did not reach its provider because the provider's rate limit
 * (PROVIDER_RATE_<NAME>) had no slot soon enough: transient, yet no failure of the provider (its
 * breaker ignores it) nor of the delivery (it is deferred without spending an attempt).
 */
export const RATE_LIMITED = 'rate_limited';

export class ChannelSendError extends Error {
  override readonly name = 'ChannelSendError';
  constructor(
    readonly kind: FailureKind,
    /** A short stable class for metrics: `connection_refused`, `timeout`, `smtp_4xx`, `http_429`, ... */
    readonly errorClass: string,
    message: string,
    readonly provider: string,
    /** From a Retry-After answer: wait at least this long. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** One provider of one channel (an SMTP relay, a Twilio-compatible API, Slack). Throws ChannelSendError. */
export interface ChannelProvider {
  readonly name: string;
  send(message: OutboundMessage): Promise<SentReceipt>;
  close?(): Promise<void>;
}

export type AttemptOutcome = 'sent' | FailureKind | 'breaker_open';

/** Every try against a provider, recorded and counted. */
export interface AttemptRecord {
  provider: string;
  outcome: AttemptOutcome;
  errorClass?: string;
  error?: string;
  latencyMs: number;
}

/** A channel's ordered providers behind breakers: the first healthy one sends. */
export interface ChannelSender {
  readonly channel: OutOfBandChannel;
  /**
   * Resolves with the receipt and every attempt; rejects with SendFailure (also carrying them).
   * `urgent` (critical items) takes a provider's rate-limit slot without waiting for it.
   */
  send(message: OutboundMessage, opts?: { urgent?: boolean }): Promise<SentReceipt & { attempts: AttemptRecord[] }>;
  /** Breaker state per provider, for /metrics. */
  breakerStates(): Record<string, 'closed' | 'open' | 'half_open' | 'isolated'>;
  close(): Promise<void>;
}

export class SendFailure extends Error {
  override readonly name = 'SendFailure';
  constructor(
    readonly kind: FailureKind,
    readonly errorClass: string,
    message: string,
    readonly attempts: AttemptRecord[],
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Exponential backoff with full jitter (the AWS architecture blog's "full jitter"): a uniform wait in
 * [0, min(cap, base·2^(attempt-1))], but never less than the provider's Retry-After.
 */
export function retryDelayMs(
  attempt: number,
  opts: { baseMs: number; maxMs: number; retryAfterMs?: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.min(opts.maxMs, Math.max(jittered, opts.retryAfterMs ?? 0));
}
