// The delivery channels, in the order every screen shows them, and how a channel's delivery status
// reads (GET /api/v1/notifications/status). The one place the web demo lists channels.

/** [channel, label], in display order. */
export const CHANNELS = [['in_app', 'In-app'], ['email', 'Email'], ['sms', 'SMS'], ['slack', 'Slack'], ['push', 'Push']];

/** On for someone who never saved preferences (the server's defaults). */
export const DEFAULT_CHANNELS = Object.fromEntries(CHANNELS.map(([c]) => [c, c === 'in_app' || c === 'email']));

const LABELS = Object.fromEntries(CHANNELS);

export function channelLabel(channel) {
  return LABELS[channel] ?? String(channel ?? '').replace(/_/g, ' ');
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
  undeliverable: 'the address bounced before',
  max_attempts: 'gave up after retries',
  rejected: 'refused by the provider',
  quiet_hours: 'held for quiet hours',
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
