import { OUT_OF_BAND, retryDelayMs, type FailureKind, type OutOfBandChannel } from './channels.js';
import { canonicalTimeZone } from './local-time.js';
import type { Notification } from './notification.js';
import { isChannelOn, type Preferences } from './preferences.js';
import { quietPeriodAt } from './quiet-hours.js';

/**
 * What happens when a notification's fallback timer fires (pure; app/fire-fallbacks.ts runs it for
 * a batch). The item is known to be unread and not superseded; preferences are read again now,
 * because a person may have switched a channel off, set quiet hours or bounced an address since.
 */

/** A person's addresses, as the service knows them now. */
export interface Addresses {
  email?: string | null;
  phone?: string | null;
  slackWebhookUrl?: string | null;
  /** Push: the person's id when they have a push subscription (the sender reads them all at send time). */
  pushSubscription?: string | null;
}

export type FiredDelivery =
  | { channel: OutOfBandChannel; status: 'queued'; address: string }
  | { channel: OutOfBandChannel; status: 'skipped'; reason: 'channel_off' | 'type_off' | 'no_address' | 'no_push_subscription' | 'undeliverable' | 'not_supported' };

export type FireDecision = { action: 'defer'; until: Date } | { action: 'send'; deliveries: FiredDelivery[] };

export interface FireQuestion {
  notification: Pick<Notification, 'type' | 'priority'>;
  channels: readonly OutOfBandChannel[];
  preferences: Preferences;
  addresses: Addresses;
  /** `channel|address` pairs that bounced (undeliverable until the person changes them). */
  undeliverable: ReadonlySet<string>;
  now: Date;
}

export const undeliverableKey = (channel: string, address: string) => `${channel}|${address.toLowerCase()}`;

export function decideFire(q: FireQuestion): FireDecision {
  const critical = q.notification.priority === 'critical';
  // Quiet hours may have begun (or been set) since the item was created; critical ignores them.
  if (!critical && q.preferences.quietHours) {
    const zone = canonicalTimeZone(q.preferences.timezone ?? 'UTC') ?? 'UTC';
    const quiet = quietPeriodAt(q.now, q.preferences.quietHours, zone);
    if (quiet) return { action: 'defer', until: quiet.end };
  }
  const deliveries: FiredDelivery[] = [];
  for (const channel of q.channels) {
    if (!OUT_OF_BAND[channel].enabled) {
      deliveries.push({ channel, status: 'skipped', reason: 'not_supported' });
      continue;
    }
    if (!q.preferences.channels[channel]) {
      deliveries.push({ channel, status: 'skipped', reason: 'channel_off' });
      continue;
    }
    if (!isChannelOn(q.preferences, q.notification.type, channel)) {
      deliveries.push({ channel, status: 'skipped', reason: 'type_off' });
      continue;
    }
    const address = addressFor(channel, q.addresses);
    if (!address) deliveries.push({ channel, status: 'skipped', reason: OUT_OF_BAND[channel].address === 'pushSubscription' ? 'no_push_subscription' : 'no_address' });
    else if (q.undeliverable.has(undeliverableKey(channel, address))) deliveries.push({ channel, status: 'skipped', reason: 'undeliverable' });
    else deliveries.push({ channel, status: 'queued', address });
  }
  return { action: 'send', deliveries };
}

export function addressFor(channel: OutOfBandChannel, addresses: Addresses): string | null {
  switch (OUT_OF_BAND[channel].address) {
    case 'email':
      return addresses.email || null;
    case 'phone':
      return addresses.phone || null;
    case 'slackWebhookUrl':
      return addresses.slackWebhookUrl || null;
    case 'pushSubscription':
      return addresses.pushSubscription || null;
  }
}

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** After a failed attempt: try again later, or end (and how). `attempts` counts the one that just failed. */
export type FailureOutcome =
  | { action: 'retry'; at: Date }
  | { action: 'end'; status: 'failed' | 'bounced'; reason: 'max_attempts' | 'rejected' | 'bounced' | 'no_push_subscription' };

export function afterFailure(
  failure: { kind: FailureKind; retryAfterMs?: number; errorClass?: string },
  attempts: number,
  policy: RetryPolicy,
  now: Date,
  random: () => number = Math.random,
): FailureOutcome {
  if (failure.kind === 'address') return { action: 'end', status: 'bounced', reason: 'bounced' };
  // Push: every subscription of the person was gone (404/410) or none was left: said as such.
  if (failure.kind === 'permanent') return { action: 'end', status: 'failed', reason: failure.errorClass === 'no_push_subscription' ? 'no_push_subscription' : 'rejected' };
  if (attempts >= policy.maxAttempts) return { action: 'end', status: 'failed', reason: 'max_attempts' };
  const delay = retryDelayMs(attempts, { baseMs: policy.baseMs, maxMs: policy.maxMs, retryAfterMs: failure.retryAfterMs }, random);
  return { action: 'retry', at: new Date(now.getTime() + delay) };
}
