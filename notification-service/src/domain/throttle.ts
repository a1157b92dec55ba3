import { OUT_OF_BAND_CHANNELS, isOutOfBandChannel, type OutOfBandChannel } from './channels.js';
import type { DigestFrequency } from './digest-schedule.js';
import { NOTIFICATION_TYPES, type NotificationType, type Priority } from './notification.js';
import { frequencyFor, isChannelOn, type Preferences } from './preferences.js';

/**
 * Per-person throttles of the out-of-band channels (docs/channels.md "Throttles"): at most `max`
 * messages to one person on one channel within any `windowMs`, with per-type overrides. Pure: the
 * channel store counts what the person got in the window when a worker claims a send, and asks
 * these rules what to do with it.
 */

/** At most `max` per `windowMs`: a person's throttle, or a provider's pace (channels/provider-pace.ts). */
export interface RateLimit {
  max: number;
  windowMs: number;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DAY_MS = UNIT_MS.d;

/** `90s`, `30m`, `1h`, `7d` (a bare unit is one of it: `h` = `1h`) in milliseconds; undefined when it is not one. */
export function parseWindow(text: string): number | undefined {
  const match = /^(\d{1,6})?([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const n = match[1] === undefined ? 1 : Number(match[1]);
  return n >= 1 ? n * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/**
 * `5/1h`, `20/1d`, `10/s`: a count over a window, the count 1 to 1,000,000 and the window at most
 * `maxWindowMs`; `none` is no limit (null). Undefined when the text is neither.
 */
export function parseRateLimit(text: string, maxWindowMs = 31 * DAY_MS): RateLimit | null | undefined {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'none') return null;
  const match = /^(\d{1,7})\/(.+)$/.exec(trimmed);
  if (!match) return undefined;
  const max = Number(match[1]);
  const windowMs = parseWindow(match[2]!);
  if (max < 1 || max > 1_000_000 || windowMs === undefined || windowMs > maxWindowMs) return undefined;
  return { max, windowMs };
}

/** `5/1h` again, for logs and docs: the largest whole unit of the window. */
export function formatRateLimit(limit: RateLimit | null): string {
  if (!limit) return 'none';
  const unit = (['d', 'h', 'm', 's'] as const).find((u) => limit.windowMs % UNIT_MS[u] === 0) ?? 's';
  return `${limit.max}/${limit.windowMs / UNIT_MS[unit]}${unit}`;
}

/** One per-type override: `type` on one channel, or on every channel when `channel` is null. */
export interface ThrottleOverride {
  type: NotificationType;
  channel: OutOfBandChannel | null;
  limit: RateLimit | null;
}

export interface ThrottlePolicy {
  /** Each channel's limit (null: not throttled). */
  defaults: Readonly<Record<OutOfBandChannel, RateLimit | null>>;
  overrides: readonly ThrottleOverride[];
}

/**
 * The defaults (THROTTLE_EMAIL, THROTTLE_SMS, THROTTLE_SLACK, THROTTLE_PUSH): SMS costs money and
 * buzzes a phone, so 5 an hour; email 20 a day, a full inbox's worth; Slack and push cost nothing
 * per message but interrupt all the same, so 20 an hour (one every three minutes on average).
 */
export const DEFAULT_THROTTLES: ThrottlePolicy = Object.freeze({
  defaults: Object.freeze({ email: { max: 20, windowMs: DAY_MS }, sms: { max: 5, windowMs: 3_600_000 }, slack: { max: 20, windowMs: 3_600_000 }, push: { max: 20, windowMs: 3_600_000 } }),
  overrides: Object.freeze([]) as readonly ThrottleOverride[],
});

/** No throttle on any channel. */
export const NO_THROTTLES: ThrottlePolicy = Object.freeze({
  defaults: Object.freeze(Object.fromEntries(OUT_OF_BAND_CHANNELS.map((c) => [c, null])) as Record<OutOfBandChannel, RateLimit | null>),
  overrides: Object.freeze([]) as readonly ThrottleOverride[],
});

/**
 * THROTTLE_OVERRIDES: `type:channel=limit` or `type=limit` (every channel), comma-separated, e.g.
 * `message:sms=20/1h,like=2/1d,alert:email=none`. Every problem is listed, by entry.
 */
export function parseThrottleOverrides(text: string): { ok: true; value: ThrottleOverride[] } | { ok: false; problems: string[] } {
  const value: ThrottleOverride[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([a-z_]+)(?::([a-z_]+))?=(.+)$/.exec(entry);
    if (!match) {
      problems.push(`"${entry}" is not type[:channel]=limit`);
      continue;
    }
    const [, type, channel, limitText] = match;
    const limit = parseRateLimit(limitText!);
    if (!(NOTIFICATION_TYPES as readonly string[]).includes(type!)) problems.push(`"${entry}": unknown type ${type} (one of ${NOTIFICATION_TYPES.join(', ')})`);
    else if (channel !== undefined && !isOutOfBandChannel(channel)) problems.push(`"${entry}": unknown channel ${channel} (one of ${OUT_OF_BAND_CHANNELS.join(', ')})`);
    else if (limit === undefined) problems.push(`"${entry}": ${limitText} is not a limit like 5/1h or none`);
    else if (seen.has(`${type}:${channel ?? '*'}`)) problems.push(`"${entry}": ${type}${channel ? `:${channel}` : ''} is given twice`);
    else {
      seen.add(`${type}:${channel ?? '*'}`);
      value.push({ type: type as NotificationType, channel: (channel as OutOfBandChannel | undefined) ?? null, limit });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/**
 * The limit one delivery is held to, or null when none applies. `critical` items (security alerts,
 * a sign-in from a new device) are never throttled: holding one back is the harm a throttle exists
 * to prevent. The most specific rule wins: type and channel, then the type, then the channel.
 */
export function throttleFor(policy: ThrottlePolicy, d: { type: NotificationType; priority: Priority; channel: OutOfBandChannel }): RateLimit | null {
  if (d.priority === 'critical') return null;
  const exact = policy.overrides.find((o) => o.type === d.type && o.channel === d.channel);
  if (exact) return exact.limit;
  const typeWide = policy.overrides.find((o) => o.type === d.type && o.channel === null);
  if (typeWide) return typeWide.limit;
  return policy.defaults[d.channel];
}

/**
 * `recent`: what the person got on the channel within the limit's window, this delivery not
 * included (sent, or claimed by a worker that is sending it now). A limit of 5 lets the 5th go.
 */
export const isOverLimit = (limit: RateLimit, recent: number) => recent >= limit.max;

/** What becomes of a delivery over its limit: never dropped silently. */
export type ThrottleOutcome = { action: 'digest'; frequency: DigestFrequency } | { action: 'skip'; reason: 'throttled' };

/**
 * Someone who gets a daily or weekly digest on this channel (some type set to that frequency with
 * the channel on) gets the overflow in their next one, daily before weekly because it comes
 * sooner; anyone else has it skipped with reason `throttled` (the status route says so; the inbox
 * still has the item).
 */
export function overflowOf(preferences: Preferences, channel: OutOfBandChannel): ThrottleOutcome {
  let weekly = false;
  for (const type of NOTIFICATION_TYPES) {
    if (!isChannelOn(preferences, type, channel)) continue;
    const frequency = frequencyFor(preferences, type);
    if (frequency === 'daily') return { action: 'digest', frequency: 'daily' };
    if (frequency === 'weekly') weekly = true;
  }
  return weekly ? { action: 'digest', frequency: 'weekly' } : { action: 'skip', reason: 'throttled' };
}
