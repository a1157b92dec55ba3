// @ts-check
// The delivery channels, in the order every screen shows them, and how a channel's delivery status
// reads (GET /api/v1/notifications/status). The one place the web demo lists channels; the server's
// own list (its preferences document, built from notification-service's one channel definition)
// replaces it as soon as it is known, so a channel added there shows up here with no change.
// Labels, statuses and reasons are words of the catalogs (lib/i18n.js: `channel.*`, `delivery.status.*`,
// `delivery.reason.*`), looked up when shown so they follow the language.
import { t, has } from './i18n.js';

export const KNOWN_CHANNELS = ['in_app', 'email', 'sms', 'slack', 'push'];

/**
 * [channel, code] pairs in display order (mutated in place by adoptServerChannels); show channelLabel(channel).
 * @type {Array<[channel: string, code: string]>}
 */
export const CHANNELS = KNOWN_CHANNELS.map((c) => [c, c]);

/** Takes the server's channel list (the keys of `preferences.channels`, in its order). @param {unknown} keys */
export function adoptServerChannels(keys) {
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && /^[a-z_]{1,16}$/.test(k))) return;
  CHANNELS.splice(0, CHANNELS.length, ...keys.map((k) => /** @type {[string, string]} */ ([k, k])));
}

/** On for someone who never saved preferences (the server's defaults). */
export const DEFAULT_CHANNELS = Object.fromEntries(CHANNELS.map(([c]) => [c, c === 'in_app' || c === 'email']));

/** The channel's name in the current language ("In-app"); an unknown channel as its code, spaced. */
export function channelLabel(channel) {
  return has(`channel.${channel}`) ? t(`channel.${channel}`) : String(channel ?? '').replace(/_/g, ' ');
}

/** The delivery statuses the catalogs name (`delivery.status.<status>`). */
export const STATUSES = ['pending', 'scheduled', 'queued', 'sent', 'delivered', 'opened', 'clicked', 'read', 'failed', 'bounced', 'skipped', 'cancelled'];

/** good: it reached the person; bad: it did not and will not; neutral: not sent on purpose; else on its way. */
const TONES = {
  sent: 'good', delivered: 'good', opened: 'good', clicked: 'good', read: 'good',
  failed: 'bad', bounced: 'bad',
  skipped: 'neutral', cancelled: 'neutral',
};

/** Why a delivery went the way it did (`delivery.reason.<reason>`). */
export const REASONS = ['channel_off', 'type_off', 'not_requested', 'delivered_live', 'read', 'superseded', 'no_address', 'no_push_subscription', 'undeliverable', 'max_attempts', 'rejected', 'quiet_hours', 'throttled'];

export function statusLabel(status) {
  return STATUSES.includes(status) ? t(`delivery.status.${status}`) : String(status ?? t('delivery.status.unknown'));
}

export function statusTone(status) {
  return TONES[status] ?? 'pending';
}

export function reasonText(reason) {
  if (typeof reason !== 'string' || !reason) return '';
  return REASONS.includes(reason) ? t(`delivery.reason.${reason}`) : reason.replace(/_/g, ' ');
}

/** The channel statuses of one notification, from either shape of the status answer. */
export function channelStatusesOf(res, id) {
  if (Array.isArray(res?.channels)) return res.channels;
  const items = Array.isArray(res?.items) ? res.items : [];
  return (items.find((item) => item?.id === id) ?? items[0])?.channels ?? [];
}

/**
 * Whether the person's address for `field` ('email' or 'phone') is known not to take messages:
 * `emailBounced`/`phoneBounced` (true or a date), or an `undeliverable` list naming the field, its
 * channel or the address. Absent fields mean "not known to bounce".
 */
export function hasBounced(user, field) {
  if (!user) return false;
  const flag = user[`${field}Bounced`];
  if (flag === true || (typeof flag === 'string' && flag !== '')) return true;
  const list = Array.isArray(user.undeliverable) ? user.undeliverable : [];
  const channel = field === 'phone' ? 'sms' : field;
  const address = user[field];
  return list.some((entry) => {
    if (typeof entry === 'string') return entry === field || entry === channel || (address && entry === address);
    return Boolean(entry) && (entry.field === field || entry.channel === channel || (address && entry.address === address));
  });
}
