// The delivery channels, in the order every screen shows them, and how a channel's delivery status
// reads (GET /api/v1/notifications/status). The one place the web demo lists channels; the server's
// own list (its preferences document, built from notification-service's one channel definition)
// replaces it as soon as it is known, so a channel added there shows up here with no change.

const KNOWN_LABELS = { in_app: 'In-app', email: 'Email', sms: 'SMS', slack: 'Slack', push: 'Push' };

/** [channel, label], in display order (mutated in place by adoptServerChannels). */
export const CHANNELS = Object.entries(KNOWN_LABELS);

/** Takes the server's channel list (the keys of `preferences.channels`, in its order). */
export function adoptServerChannels(keys) {
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && /^[a-z_]{1,16}$/.test(k))) return;
  CHANNELS.splice(0, CHANNELS.length, ...keys.map((k) => [k, KNOWN_LABELS[k] ?? k.replace(/_/g, ' ')]));
}

/** On for someone who never saved preferences (the server's defaults). */
export const DEFAULT_CHANNELS = Object.fromEntries(CHANNELS.map(([c]) => [c, c === 'in_app' || c === 'email']));

export function channelLabel(channel) {
  return KNOWN_LABELS[channel] ?? String(channel ?? '').replace(/_/g, ' ');
}

const STATUSES = {
  pending: 'Pending',
  scheduled: 'Scheduled',
  queued: 'Queued',
  sent: 'Sent',
  delivered: 'Delivered',
  opened: 'Opened',
  clicked: 'Clicked',
  read: 'Read',
  failed: 'Failed',
  bounced: 'Bounced',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

/** good: it reached the person; bad: it did not and will not; neutral: not sent on purpose; else on its way. */
const TONES = {
  sent: 'good', delivered: 'good', opened: 'good', clicked: 'good', read: 'good',
  failed: 'bad', bounced: 'bad',
  skipped: 'neutral', cancelled: 'neutral',
};

const REASONS = {
  channel_off: 'channel off in your settings',
  type_off: 'off for this type in your settings',
  not_requested: 'not requested by the sender',
  delivered_live: 'you saw it live',
  read: 'you read it first',
  superseded: 'replaced by a newer one',
  no_address: 'no address to send to',
  no_push_subscription: 'no browser has push switched on',
  undeliverable: 'the address bounced before',
  max_attempts: 'gave up after retries',
  rejected: 'refused by the provider',
  quiet_hours: 'held for quiet hours',
  throttled: 'too many on this channel lately',
};

export function statusLabel(status) {
  return STATUSES[status] ?? String(status ?? 'unknown');
}

export function statusTone(status) {
  return TONES[status] ?? 'pending';
}

export function reasonText(reason) {
  if (typeof reason !== 'string' || !reason) return '';
  return REASONS[reason] ?? reason.replace(/_/g, ' ');
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
