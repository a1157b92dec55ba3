import { env } from '@herald/platform';
import { vapidKeysSetting, vapidSubjectSetting } from './vapid.js';

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
};
