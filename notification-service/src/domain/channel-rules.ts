import { CHANNELS, type Channel, type DeliveryStatus, type NotificationType, type Priority } from './notification.js';
import { frequencyFor, isChannelOn, type Preferences } from './preferences.js';
import { quietPeriodAt } from './quiet-hours.js';
import { canonicalTimeZone } from './local-time.js';

/**
 * Which channels one notification may use for one person, decided from their preferences alone.
 *
 * 1. in_app is the inbox. It is used unless the person switched it off globally or for this type,
 *    and it is never digested or deferred: an inbox item makes no sound, so there is nothing to hold
 *    back. `critical` always uses it, switches or not: an alert must land somewhere.
 * 2. email, sms and push are used only when the channel is on globally AND not off for this type.
 *    A channel someone switched off stays off, even for `critical`.
 * 3. Frequency: the type's own frequency beats the global one. daily/weekly → `digest` (the digest
 *    worker collects it and sends one message in the person's zone).
 * 4. Quiet hours, in the person's time zone (UTC when unknown) → `defer` until they end.
 * 5. `critical` priority ignores digests and quiet hours (rules 3 and 4), not switches (rule 2).
 *
 * email/sms/push are FALLBACK channels: `deliver` here means "eligible now". Whether the person is
 * away (no live session, or the item left unread) is decided at send time by the workers, which
 * skip a fallback the person no longer needs; that is not this policy's concern.
 */

export type SkipReason = 'channel_off' | 'type_off';

export type ChannelDecision =
  | { action: 'deliver' }
  | { action: 'digest'; frequency: 'daily' | 'weekly' }
  | { action: 'defer'; until: Date }
  | { action: 'skip'; reason: SkipReason };

export interface DeliveryQuestion {
  preferences: Preferences;
  type: NotificationType;
  priority: Priority;
  now: Date;
}

const DELIVER: ChannelDecision = Object.freeze({ action: 'deliver' });

export function decideDelivery({ preferences, type, priority, now }: DeliveryQuestion): Record<Channel, ChannelDecision> {
  const critical = priority === 'critical';
  // Quiet hours are looked up once per person, and only when some channel could be held back by them.
  let quietUntil: Date | null | undefined;
  const quietEnd = (): Date | null => {
    if (quietUntil === undefined) {
      const zone = canonicalTimeZone(preferences.timezone ?? 'UTC') ?? 'UTC';
      quietUntil = preferences.quietHours ? (quietPeriodAt(now, preferences.quietHours, zone)?.end ?? null) : null;
    }
    return quietUntil;
  };

  const decide = (channel: Channel): ChannelDecision => {
    if (channel === 'in_app') {
      if (critical) return DELIVER;
      return switchedOff(preferences, type, channel) ?? DELIVER;
    }
    const off = switchedOff(preferences, type, channel);
    if (off) return off;
    if (critical) return DELIVER;
    const frequency = frequencyFor(preferences, type);
    if (frequency !== 'instant') return { action: 'digest', frequency };
    const until = quietEnd();
    return until ? { action: 'defer', until } : DELIVER;
  };

  return Object.fromEntries(CHANNELS.map((channel) => [channel, decide(channel)])) as Record<Channel, ChannelDecision>;
}

function switchedOff(prefs: Preferences, type: NotificationType, channel: Channel): ChannelDecision | null {
  if (!prefs.channels[channel]) return { action: 'skip', reason: 'channel_off' };
  if (!isChannelOn(prefs, type, channel)) return { action: 'skip', reason: 'type_off' };
  return null;
}

/** The delivery row a decision starts as: what the status route shows before any worker runs. */
export interface InitialDelivery {
  status: Extract<DeliveryStatus, 'pending' | 'skipped'>;
  /** Not to be sent before this instant (quiet hours). */
  notBefore: Date | null;
  /** Held for this digest instead of being sent on its own. */
  digest: 'daily' | 'weekly' | null;
  reason: SkipReason | null;
}

export function initialDelivery(decision: ChannelDecision): InitialDelivery {
  switch (decision.action) {
    case 'deliver':
      return { status: 'pending', notBefore: null, digest: null, reason: null };
    case 'digest':
      return { status: 'pending', notBefore: null, digest: decision.frequency, reason: null };
    case 'defer':
      return { status: 'pending', notBefore: decision.until, digest: null, reason: null };
    case 'skip':
      return { status: 'skipped', notBefore: null, digest: null, reason: decision.reason };
  }
}
