import type { ChannelProvider, ChannelSender, OutOfBandChannel } from '../domain/channels.js';
import type { PushSubscriptionStore } from '../domain/push.js';
import { CaptureProvider, createFailoverSender, SlackWebhookProvider, SmtpEmailProvider, TwilioSmsProvider, WebPushProvider } from '../adapters/channels/index.js';
import type { ProviderPace } from './provider-pace.js';
import { DEFAULT_VAPID_SUBJECT, type VapidKeys } from './vapid.js';

/** The provider settings of channels/config.ts, as the registry needs them. */
export interface ProviderSettings {
  smtpUrl?: string | undefined;
  smtpFallbackUrl?: string | undefined;
  mailFrom: string;
  /**
   * CHANNEL_CONCURRENCY: sends one channel worker has in flight. Each SMTP relay's connection pool
   * is sized to it, because a pooled connection carries one message at a time: a smaller pool would
   * cap email throughput below what the worker is allowed to do (5 connections at 200 ms per message
   * is 25 emails/s whatever the concurrency). Unset: nodemailer's pool of 5.
   */
  channelConcurrency?: number | undefined;
  smsProviderUrl?: string | undefined;
  smsFallbackProviderUrl?: string | undefined;
  smsAccountSid?: string | undefined;
  smsAuthToken?: string | undefined;
  smsFrom?: string | undefined;
  slackWebhookHosts: string;
  /** Web Push: the VAPID pair (none: no push sender), its contact, and loopback endpoints for tests. */
  vapidKeys?: VapidKeys | undefined;
  vapidSubject?: string | undefined;
  pushAllowHttp?: boolean | undefined;
  /** Embedded mode: a channel with no provider configured is captured (shown at /dev/outbox). */
  captureUnconfigured: boolean;
  /** Tests: plain http and a short breaker. */
  slackRequireHttps?: boolean;
  breaker?: { failureThreshold?: number; halfOpenAfterMs?: number };
}

export interface ChannelRegistry {
  senders: Map<OutOfBandChannel, ChannelSender>;
  /** Set when some channel is captured rather than sent. */
  capture?: CaptureProvider;
  close(): Promise<void>;
}

/**
 * The one registration point of the out-of-band channels: each channel's providers in order of
 * preference, behind breakers (adapters/channels/failover.ts). Adding a channel is one entry in
 * domain/channels.ts, one adapter, and one block here (docs/channels.md, "How to add a channel").
 */
export function buildChannelRegistry(
  s: ProviderSettings,
  stores: {
    pushSubscriptions?: Pick<PushSubscriptionStore, 'forUser' | 'removeGone'>;
    /** Each provider's rate limit (PROVIDER_RATE_<NAME>), waited for before every send through it. */
    pace?: ProviderPace;
  } = {},
): ChannelRegistry {
  const providers: Partial<Record<OutOfBandChannel, ChannelProvider[]>> = {};
  providers.email = [s.smtpUrl, s.smtpFallbackUrl]
    .flatMap((url, i) => (url ? [new SmtpEmailProvider({ name: i === 0 ? 'smtp' : 'smtp-fallback', url, from: s.mailFrom, ...(s.channelConcurrency ? { maxConnections: s.channelConcurrency } : {}) })] : []));
  if (s.smsAccountSid && s.smsAuthToken) {
    const sms = { accountSid: s.smsAccountSid, authToken: s.smsAuthToken, ...(s.smsFrom ? { from: s.smsFrom } : {}) };
    providers.sms = [s.smsProviderUrl, s.smsFallbackProviderUrl]
      .flatMap((baseUrl, i) => (baseUrl ? [new TwilioSmsProvider({ ...sms, name: i === 0 ? 'twilio' : 'twilio-fallback', baseUrl })] : []));
  } else {
    providers.sms = [];
  }
  const hosts = s.slackWebhookHosts.split(',').map((h) => h.trim()).filter(Boolean);
  // Slack needs no account of ours: the person's webhook URL is the whole configuration. Embedded mode
  // captures it too, unless hosts were set explicitly (a test or an operator pointing it somewhere).
  const slackConfigured = !s.captureUnconfigured || hosts.join(',') !== 'hooks.slack.com';
  providers.slack = slackConfigured ? [new SlackWebhookProvider({ name: 'slack', allowedHosts: hosts, requireHttps: s.slackRequireHttps ?? true })] : [];
  // Web Push needs the VAPID pair browsers subscribed with, and the subscriptions to send to.
  providers.push =
    s.vapidKeys && stores.pushSubscriptions
      ? [new WebPushProvider({ name: 'web-push', vapid: { ...s.vapidKeys, subject: s.vapidSubject ?? DEFAULT_VAPID_SUBJECT }, subscriptions: stores.pushSubscriptions, allowLoopbackHttp: s.pushAllowHttp ?? false })]
      : [];

  let capture: CaptureProvider | undefined;
  const senders = new Map<OutOfBandChannel, ChannelSender>();
  for (const channel of ['email', 'sms', 'slack', 'push'] as const) {
    let list = providers[channel] ?? [];
    if (list.length === 0 && s.captureUnconfigured) list = [(capture ??= new CaptureProvider())];
    // Push's one provider speaks to every browser vendor's push service: one service's trouble must
    // not open a breaker for all of them; each delivery backs off on its own instead.
    const breaker = channel === 'push' && list[0] instanceof WebPushProvider ? { ...s.breaker, failureThreshold: Number.MAX_SAFE_INTEGER } : (s.breaker ?? {});
    if (list.length > 0) senders.set(channel, createFailoverSender(channel, list, { ...breaker, ...(stores.pace ? { pace: stores.pace } : {}) }));
  }
  return {
    senders,
    ...(capture ? { capture } : {}),
    async close() {
      await Promise.all([...senders.values()].map((sender) => sender.close()));
    },
  };
}
