import { env } from '@herald/platform';
import { OUT_OF_BAND_CHANNELS, type OutOfBandChannel } from '../domain/channels.js';
import { DEFAULT_THROTTLES, formatRateLimit, parseRateLimit, parseThrottleOverrides, type RateLimit, type ThrottlePolicy } from '../domain/throttle.js';
import { vapidKeysSetting, vapidSubjectSetting } from './vapid.js';

type Source = Record<string, string | undefined>;
type Read<T> = (source: Source) => { ok: true; value: T } | { ok: false; problem: string };

/**
 * THROTTLE_EMAIL, THROTTLE_SMS, THROTTLE_SLACK, THROTTLE_PUSH (`5/1h`, `20/1d`, `none`) and
 * THROTTLE_OVERRIDES (`type[:channel]=limit`, comma-separated): the per-person throttles
 * (docs/channels.md "Throttles"). Every problem is named by its variable.
 */
export const throttlesSetting: Read<ThrottlePolicy> = (source) => {
  const problems: string[] = [];
  const defaults = {} as Record<OutOfBandChannel, RateLimit | null>;
  for (const channel of OUT_OF_BAND_CHANNELS) {
    const name = `THROTTLE_${channel.toUpperCase()}`;
    const raw = source[name] || formatRateLimit(DEFAULT_THROTTLES.defaults[channel]);
    const limit = parseRateLimit(raw);
    if (limit === undefined) problems.push(`${name}=${JSON.stringify(raw)} is not a limit like 5/1h, 20/1d (count/window, window in s, m, h or d, at most 31d) or none`);
    else defaults[channel] = limit;
  }
  const overrides = parseThrottleOverrides(source.THROTTLE_OVERRIDES ?? '');
  if (!overrides.ok) problems.push(`THROTTLE_OVERRIDES: ${overrides.problems.join('; ')} (format: type[:channel]=limit, comma-separated, e.g. message:sms=20/1h,like=2/1d)`);
  return problems.length > 0 || !overrides.ok ? { ok: false, problem: problems.join('\n  ') } : { ok: true, value: { defaults, overrides: overrides.value } };
};

/** The providers a PROVIDER_RATE_<NAME> may name (channels/registry.ts gives them these names). */
export const PROVIDER_NAMES = ['smtp', 'smtp-fallback', 'twilio', 'twilio-fallback', 'slack', 'web-push', 'capture'] as const;
const providerVariable = (provider: string) => `PROVIDER_RATE_${provider.toUpperCase().replace(/-/g, '_')}`;

/**
 * PROVIDER_RATE_<NAME> (`10/1s`, `600/1m`, or a bare number of sends per second): the pace of each
 * provider (docs/channels.md "Provider rate limits"). Unset: no limit. A variable naming no provider
 * is an error, so a typo is not silently ignored.
 */
export const providerRatesSetting: Read<Record<string, RateLimit>> = (source) => {
  const byVariable = new Map<string, string>(PROVIDER_NAMES.map((p) => [providerVariable(p), p]));
  const rates: Record<string, RateLimit> = {};
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(source)) {
    if (!name.startsWith('PROVIDER_RATE_') || raw === undefined || raw === '') continue;
    const provider = byVariable.get(name);
    if (!provider) {
      problems.push(`${name} names no provider (one of ${[...byVariable.keys()].join(', ')})`);
      continue;
    }
    const limit = parseRateLimit(/^\d+$/.test(raw.trim()) ? `${raw.trim()}/1s` : raw, 86_400_000);
    if (limit === undefined) problems.push(`${name}=${JSON.stringify(raw)} is not a rate like 10/1s, 600/1m or 10 (per second), window at most 1d`);
    else if (limit) rates[provider] = limit;
  }
  return problems.length > 0 ? { ok: false, problem: problems.join('\n  ') } : { ok: true, value: rates };
};

/**
 * The out-of-band settings (README.md's configuration table), shared by the standalone service and
 * the embedded mode. Providers are optional: a channel with none configured is captured (embedded)
 * or ends `failed` with reason `no_provider` (standalone), never retried for ever.
 */
export const channelEnvSpec = {
  fallbackDelayMs: env.int('FALLBACK_DELAY_MS', 120_000, 0, 30 * 24 * 3_600_000),
  escalateAfterMs: env.int('ESCALATE_AFTER_MS', 300_000, 0, 30 * 24 * 3_600_000),
  channelMaxAttempts: env.int('CHANNEL_MAX_ATTEMPTS', 6, 1, 100),
  channelRetryBaseMs: env.int('CHANNEL_RETRY_BASE_MS', 1000, 1, 3_600_000),
  channelRetryMaxMs: env.int('CHANNEL_RETRY_MAX_MS', 300_000, 1, 24 * 3_600_000),
  /** Messages each channel worker sends at once (its queue prefetch). */
  channelConcurrency: env.int('CHANNEL_CONCURRENCY', 16, 1, 1000),
  /** How often the timers are swept. */
  channelSweepMs: env.int('CHANNEL_SWEEP_MS', 1000, 10, 60_000),
  /** How often each instance looks for people whose digest time has come (docs/channels.md "Digests"). */
  digestSweepMs: env.int('DIGEST_SWEEP_MS', 60_000, 100, 3_600_000),
  /** How long a worker's claim on a send protects it; past it another worker may take over. */
  channelClaimLeaseMs: env.int('CHANNEL_CLAIM_LEASE_MS', 60_000, 1000, 3_600_000),
  /** A dispatched delivery no worker claimed (its message was lost) is published again this long after. */
  channelRedispatchMs: env.int('CHANNEL_REDISPATCH_MS', 600_000, 1000, 24 * 3_600_000),
  smtpUrl: env.optionalUrl('SMTP_URL', ['smtp', 'smtps']),
  smtpFallbackUrl: env.optionalUrl('SMTP_FALLBACK_URL', ['smtp', 'smtps']),
  mailFrom: env.string('MAIL_FROM', 'Herald <notifications@herald.local>'),
  smsProviderUrl: env.optionalUrl('SMS_PROVIDER_URL', ['http', 'https']),
  smsFallbackProviderUrl: env.optionalUrl('SMS_FALLBACK_PROVIDER_URL', ['http', 'https']),
  smsAccountSid: env.optionalString('SMS_ACCOUNT_SID'),
  smsAuthToken: env.optionalString('SMS_AUTH_TOKEN'),
  smsFrom: env.optionalString('SMS_FROM'),
  /** Hosts a Slack webhook URL may point at (comma-separated). */
  slackWebhookHosts: env.string('SLACK_WEBHOOK_HOSTS', 'hooks.slack.com'),
  /** Base of links in messages, tracking and provider callbacks. */
  publicUrl: env.url('PUBLIC_URL', ['http', 'https'], 'http://localhost:3000'),
  /** Signs tracking links (at least 16 characters); required with real providers. */
  trackingSecret: env.optionalString('TRACKING_SECRET'),
  /** Status webhooks may use http:// and private or local addresses (development, tests); https to public hosts only otherwise. */
  webhookAllowHttp: env.bool('WEBHOOK_ALLOW_HTTP', false),
  /** Web Push: VAPID_PUBLIC_KEY + VAPID_PRIVATE_KEY (a pair, or neither: no push sender; embedded generates one). */
  vapidKeys: vapidKeysSetting,
  /** VAPID_SUBJECT: a mailto: or https: contact for push services. */
  vapidSubject: vapidSubjectSetting,
  /** Push subscriptions may use http:// and https:// endpoints on 127.0.0.1, localhost and [::1] (tests, local push services). */
  pushAllowHttp: env.bool('PUSH_ALLOW_HTTP', false),
  /** Per-person throttles per channel, with per-type overrides (THROTTLE_*). */
  throttles: throttlesSetting,
  /** Per-provider rate limits (PROVIDER_RATE_<NAME>). */
  providerRates: providerRatesSetting,
};
