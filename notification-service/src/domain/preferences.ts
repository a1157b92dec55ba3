import { CHANNELS, NOTIFICATION_TYPES, isChannel, isNotificationType, type Channel, type NotificationType } from './notification.js';
import { canonicalTimeZone, parseClockTime } from './local-time.js';
import type { QuietHours } from './quiet-hours.js';

/** What a person chose; the body of `PUT /api/v1/users/me/preferences` (docs/api.md). */

export const FREQUENCIES = ['instant', 'daily', 'weekly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export type ChannelSwitches = Record<Channel, boolean>;
export type TypePreference = Partial<Record<Channel, boolean>> & { frequency?: Frequency };

export interface Preferences {
  channels: ChannelSwitches;
  types: Partial<Record<NotificationType, TypePreference>>;
  frequency: Frequency;
  quietHours?: QuietHours | null;
  timezone?: string;
  /** Local hour (0-23) at which daily and weekly digests go out. Default 8. */
  digestHour?: number;
  /** The person's Slack incoming-webhook URL: the address of the slack channel. */
  slackWebhookUrl?: string | null;
}

export type PreferencesResult = { ok: true; value: Preferences } | { ok: false; field: string; message: string };

/**
 * For someone who never opened their settings: the inbox shows everything; email is on because
 * an address is required at sign-up and it is how an away user learns something happened; SMS,
 * Slack and push are off because they cost money or need a registered device, so they are opted into;
 * everything is sent as it happens; no quiet hours (we cannot guess someone's night); UTC until
 * they say otherwise (use cases may seed their registered zone with defaultPreferencesFor).
 */
export const DEFAULT_PREFERENCES: Readonly<Preferences> = Object.freeze({
  channels: Object.freeze({ in_app: true, email: true, sms: false, slack: false, push: false }),
  types: Object.freeze({}),
  frequency: 'instant',
  quietHours: null,
  timezone: 'UTC',
  digestHour: 8,
  slackWebhookUrl: null,
});

/** The defaults in a given zone (a registration's); an unknown zone keeps UTC rather than failing. */
export function defaultPreferencesFor(timeZone?: string | null): Preferences {
  return clone({ ...DEFAULT_PREFERENCES, timezone: (timeZone && canonicalTimeZone(timeZone)) || 'UTC' });
}

/** Master switch AND the type's switch: a type may turn a channel off, never on against the master. */
export function isChannelOn(prefs: Preferences, type: NotificationType, channel: Channel): boolean {
  return prefs.channels[channel] && prefs.types[type]?.[channel] !== false;
}

/** The type's own frequency beats the global one. */
export function frequencyFor(prefs: Preferences, type: NotificationType): Frequency {
  return prefs.types[type]?.frequency ?? prefs.frequency;
}

class Invalid {
  constructor(readonly field: string, readonly message: string) {}
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFrequency = (v: unknown): v is Frequency => typeof v === 'string' && (FREQUENCIES as readonly string[]).includes(v);

function record(value: unknown, field: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Invalid(field, 'must be an object');
  return value;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], field: string, what = 'unknown field') {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw new Invalid(field ? `${field}.${key}` : key, what);
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new Invalid(field, 'must be true or false');
  return value;
}

function frequency(value: unknown, field: string): Frequency {
  if (!isFrequency(value)) throw new Invalid(field, `must be one of ${FREQUENCIES.join(', ')}`);
  return value;
}

function channels(input: unknown, base: ChannelSwitches): ChannelSwitches {
  const value = record(input, 'channels');
  onlyKeys(value, CHANNELS, 'channels', 'unknown channel');
  const out = { ...base };
  for (const channel of CHANNELS) if (value[channel] !== undefined) out[channel] = bool(value[channel], `channels.${channel}`);
  return out;
}

function typePreference(input: unknown, base: TypePreference | undefined, field: string): TypePreference {
  const value = record(input, field);
  onlyKeys(value, [...CHANNELS, 'frequency'], field);
  const out: TypePreference = { ...base };
  for (const key of Object.keys(value)) {
    if (value[key] === undefined) continue;
    if (isChannel(key)) out[key] = bool(value[key], `${field}.${key}`);
    else out.frequency = frequency(value[key], `${field}.frequency`);
  }
  return out;
}

function types(input: unknown, base: Preferences['types']): Preferences['types'] {
  const value = record(input, 'types');
  const out: Preferences['types'] = { ...base };
  for (const key of Object.keys(value)) {
    if (!isNotificationType(key)) throw new Invalid(`types.${key}`, `unknown notification type (one of ${NOTIFICATION_TYPES.join(', ')})`);
    if (value[key] !== undefined) out[key] = typePreference(value[key], base[key], `types.${key}`);
  }
  return out;
}

function quietHours(input: unknown): QuietHours | null {
  if (input === null) return null;
  const value = record(input, 'quietHours');
  onlyKeys(value, ['start', 'end'], 'quietHours');
  const clock = (key: 'start' | 'end') => {
    const v = value[key];
    if (typeof v !== 'string' || parseClockTime(v) === null) throw new Invalid(`quietHours.${key}`, 'must be a 24-hour time "HH:MM"');
    return v;
  };
  const start = clock('start');
  const end = clock('end');
  if (start === end) throw new Invalid('quietHours.end', 'must differ from quietHours.start');
  return { start, end };
}

function digestHour(input: unknown): number {
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input > 23) throw new Invalid('digestHour', 'must be an integer hour from 0 to 23');
  return input;
}

/** Slack's incoming webhooks only: https on hooks.slack.com, under /services/. */
export const SLACK_WEBHOOK_PATTERN = /^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{10,200}$/;

function slackWebhookUrl(input: unknown): string | null {
  if (input === null) return null;
  if (typeof input !== 'string' || !SLACK_WEBHOOK_PATTERN.test(input)) {
    throw new Invalid('slackWebhookUrl', 'must be a Slack incoming-webhook URL (https://hooks.slack.com/services/...)');
  }
  return input;
}

function timezone(input: unknown): string {
  const zone = typeof input === 'string' ? canonicalTimeZone(input) : null;
  if (!zone) throw new Invalid('timezone', 'must be an IANA time zone such as "Europe/Lisbon"');
  return zone;
}

/**
 * Lays `input` over `base` field by field and validates it. A replace (PUT) passes no base, so
 * whatever is left out takes the default; a partial update passes the stored preferences.
 * `quietHours: null` removes quiet hours. Unknown fields, channels and types are refused, with
 * the field named in dotted form (`types.like.frequency`, `quietHours.start`).
 */
export function normalizePreferences(input: unknown, base: Preferences = DEFAULT_PREFERENCES): PreferencesResult {
  try {
    const value = record(input, 'body');
    onlyKeys(value, ['channels', 'types', 'frequency', 'quietHours', 'timezone', 'digestHour', 'slackWebhookUrl'], '');
    const out: Preferences = {
      channels: value.channels === undefined ? { ...base.channels } : channels(value.channels, base.channels),
      types: value.types === undefined ? { ...base.types } : types(value.types, base.types),
      frequency: value.frequency === undefined ? base.frequency : frequency(value.frequency, 'frequency'),
      quietHours: value.quietHours === undefined ? (base.quietHours ?? null) : quietHours(value.quietHours),
      timezone: value.timezone === undefined ? (base.timezone ?? 'UTC') : timezone(value.timezone),
      digestHour: value.digestHour === undefined ? (base.digestHour ?? 8) : digestHour(value.digestHour),
      slackWebhookUrl: value.slackWebhookUrl === undefined ? (base.slackWebhookUrl ?? null) : slackWebhookUrl(value.slackWebhookUrl),
    };
    return { ok: true, value: clone(out) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
}

// A fresh, canonical copy: types in declaration order, empty overrides dropped, nothing shared
// with the (frozen) defaults or the caller's input.
function clone(p: Preferences): Preferences {
  const typesOut: Preferences['types'] = {};
  for (const type of NOTIFICATION_TYPES) {
    const pref = p.types[type];
    if (pref && Object.keys(pref).length > 0) typesOut[type] = { ...pref };
  }
  return {
    channels: { ...p.channels },
    types: typesOut,
    frequency: p.frequency,
    quietHours: p.quietHours ? { ...p.quietHours } : null,
    timezone: p.timezone ?? 'UTC',
    digestHour: p.digestHour ?? 8,
    slackWebhookUrl: p.slackWebhookUrl ?? null,
  };
}
