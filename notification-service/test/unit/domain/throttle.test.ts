import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '@herald/platform';
import { channelEnvSpec } from '../../../src/channels/config.js';
import { normalizePreferences, type Preferences } from '../../../src/domain/preferences.js';
import {
  DEFAULT_THROTTLES,
  formatRateLimit,
  isOverLimit,
  overflowOf,
  parseRateLimit,
  parseThrottleOverrides,
  parseWindow,
  throttleFor,
  type ThrottlePolicy,
} from '../../../src/domain/throttle.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function prefs(input: Record<string, unknown>): Preferences {
  const result = normalizePreferences(input);
  if (!result.ok) throw new Error(`${result.field}: ${result.message}`);
  return result.value;
}

function problems(source: Record<string, string>): string[] {
  try {
    loadConfig(channelEnvSpec, source);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('throttle windows and limits', () => {
  it('reads windows in seconds, minutes, hours and days; a bare unit is one of it', () => {
    expect(parseWindow('90s')).toBe(90_000);
    expect(parseWindow('30m')).toBe(30 * 60_000);
    expect(parseWindow('1h')).toBe(HOUR);
    expect(parseWindow('h')).toBe(HOUR);
    expect(parseWindow('7d')).toBe(7 * DAY);
    for (const bad of ['', '0h', '1w', '1.5h', '-1h', 'h1', '1 h x']) expect(parseWindow(bad)).toBeUndefined();
  });

  it('reads count/window and none; refuses zero, huge counts and windows past the maximum', () => {
    expect(parseRateLimit('5/1h')).toEqual({ max: 5, windowMs: HOUR });
    expect(parseRateLimit(' 20/1d ')).toEqual({ max: 20, windowMs: DAY });
    expect(parseRateLimit('10/s')).toEqual({ max: 10, windowMs: 1000 });
    expect(parseRateLimit('none')).toBeNull();
    expect(parseRateLimit('NONE')).toBeNull();
    for (const bad of ['5', '0/1h', '5/0h', '2000000/1s', '5/32d', '5/1h/2', 'five/1h', '5/']) expect(parseRateLimit(bad)).toBeUndefined();
    expect(parseRateLimit('5/2d', DAY)).toBeUndefined();
  });

  it('writes a limit back in its largest whole unit', () => {
    expect(formatRateLimit({ max: 5, windowMs: HOUR })).toBe('5/1h');
    expect(formatRateLimit({ max: 20, windowMs: DAY })).toBe('20/1d');
    expect(formatRateLimit({ max: 3, windowMs: 90_000 })).toBe('3/90s');
    expect(formatRateLimit(null)).toBe('none');
  });
});

describe('per-type overrides', () => {
  it('reads type:channel=limit and type=limit, comma-separated', () => {
    const parsed = parseThrottleOverrides('message:sms=20/1h, like=2/1d ,alert:email=none');
    expect(parsed).toEqual({
      ok: true,
      value: [
        { type: 'message', channel: 'sms', limit: { max: 20, windowMs: HOUR } },
        { type: 'like', channel: null, limit: { max: 2, windowMs: DAY } },
        { type: 'alert', channel: 'email', limit: null },
      ],
    });
    expect(parseThrottleOverrides('')).toEqual({ ok: true, value: [] });
  });

  it('lists every bad entry, by entry', () => {
    const parsed = parseThrottleOverrides('likes=2/1d,message:fax=1/1h,follow:sms=lots,message=5/1h,message=6/1h,oops');
    expect(parsed.ok).toBe(false);
    const list = parsed.ok ? [] : parsed.problems;
    expect(list).toHaveLength(5);
    expect(list[0]).toMatch(/"likes=2\/1d": unknown type likes/);
    expect(list[1]).toMatch(/"message:fax=1\/1h": unknown channel fax/);
    expect(list[2]).toMatch(/"follow:sms=lots": lots is not a limit/);
    expect(list[3]).toMatch(/"message=6\/1h": message is given twice/);
    expect(list[4]).toMatch(/"oops" is not type\[:channel\]=limit/);
  });
});

describe('which limit a delivery is held to', () => {
  const policy: ThrottlePolicy = {
    defaults: { ...DEFAULT_THROTTLES.defaults, slack: null },
    overrides: [
      { type: 'message', channel: 'sms', limit: { max: 20, windowMs: HOUR } },
      { type: 'message', channel: null, limit: { max: 50, windowMs: DAY } },
      { type: 'like', channel: 'email', limit: null },
    ],
  };

  it('defaults per channel: 5 SMS an hour, 20 emails a day, 20 Slack and push messages an hour', () => {
    expect(DEFAULT_THROTTLES.defaults).toEqual({ sms: { max: 5, windowMs: HOUR }, email: { max: 20, windowMs: DAY }, slack: { max: 20, windowMs: HOUR }, push: { max: 20, windowMs: HOUR } });
  });

  it('the most specific rule wins: type and channel, then type, then the channel default', () => {
    expect(throttleFor(policy, { type: 'message', priority: 'normal', channel: 'sms' })).toEqual({ max: 20, windowMs: HOUR });
    expect(throttleFor(policy, { type: 'message', priority: 'normal', channel: 'email' })).toEqual({ max: 50, windowMs: DAY });
    expect(throttleFor(policy, { type: 'like', priority: 'normal', channel: 'email' })).toBeNull();
    expect(throttleFor(policy, { type: 'like', priority: 'normal', channel: 'sms' })).toEqual({ max: 5, windowMs: HOUR });
    expect(throttleFor(policy, { type: 'comment', priority: 'high', channel: 'slack' })).toBeNull();
  });

  it('never throttles a critical item', () => {
    expect(throttleFor(policy, { type: 'alert', priority: 'critical', channel: 'sms' })).toBeNull();
    expect(throttleFor(policy, { type: 'message', priority: 'critical', channel: 'sms' })).toBeNull();
  });

  it('a limit of 5 lets the fifth message go and stops the sixth', () => {
    const limit = { max: 5, windowMs: HOUR };
    expect(isOverLimit(limit, 4)).toBe(false);
    expect(isOverLimit(limit, 5)).toBe(true);
  });
});

describe('what becomes of the overflow', () => {
  it('is skipped (reason throttled) for someone with no digest', () => {
    expect(overflowOf(prefs({ channels: { sms: true } }), 'sms')).toEqual({ action: 'skip', reason: 'throttled' });
  });

  it('joins the daily digest of someone whose every item is daily', () => {
    expect(overflowOf(prefs({ channels: { sms: true }, frequency: 'daily' }), 'sms')).toEqual({ action: 'digest', frequency: 'daily' });
  });

  it('joins a digest one type has on that channel, daily before weekly', () => {
    expect(overflowOf(prefs({ channels: { sms: true }, types: { like: { frequency: 'weekly' } } }), 'sms')).toEqual({ action: 'digest', frequency: 'weekly' });
    expect(overflowOf(prefs({ channels: { sms: true }, types: { like: { frequency: 'weekly' }, follow: { frequency: 'daily' } } }), 'sms')).toEqual({ action: 'digest', frequency: 'daily' });
  });

  it('does not count a digest on another channel: the type with the digest must have this channel on', () => {
    const p = prefs({ channels: { sms: true, email: true }, types: { like: { frequency: 'daily', sms: false } } });
    expect(overflowOf(p, 'sms')).toEqual({ action: 'skip', reason: 'throttled' });
    expect(overflowOf(p, 'email')).toEqual({ action: 'digest', frequency: 'daily' });
  });
});

describe('THROTTLE_* and PROVIDER_RATE_* in the environment', () => {
  it('defaults to the documented throttles and no provider rate', () => {
    const config = loadConfig(channelEnvSpec, {});
    expect(config.throttles).toEqual({ defaults: DEFAULT_THROTTLES.defaults, overrides: [] });
    expect(config.providerRates).toEqual({});
  });

  it('reads each channel, the overrides, and each provider by its name', () => {
    const config = loadConfig(channelEnvSpec, {
      THROTTLE_SMS: '3/30m',
      THROTTLE_PUSH: 'none',
      THROTTLE_OVERRIDES: 'alert:sms=10/1h',
      PROVIDER_RATE_TWILIO: '1/1s',
      PROVIDER_RATE_SMTP_FALLBACK: '14',
      PROVIDER_RATE_WEB_PUSH: '600/1m',
    });
    expect(config.throttles.defaults).toEqual({ ...DEFAULT_THROTTLES.defaults, sms: { max: 3, windowMs: 30 * 60_000 }, push: null });
    expect(config.throttles.overrides).toEqual([{ type: 'alert', channel: 'sms', limit: { max: 10, windowMs: HOUR } }]);
    expect(config.providerRates).toEqual({ twilio: { max: 1, windowMs: 1000 }, 'smtp-fallback': { max: 14, windowMs: 1000 }, 'web-push': { max: 600, windowMs: 60_000 } });
  });

  it('names the variable of every bad value', () => {
    const found = problems({ THROTTLE_EMAIL: '20 a day', THROTTLE_OVERRIDES: 'like:fax=1/1h', PROVIDER_RATE_TWILLIO: '1/1s', PROVIDER_RATE_SMTP: 'fast' });
    const text = found.join('\n');
    expect(text).toMatch(/THROTTLE_EMAIL="20 a day" is not a limit/);
    expect(text).toMatch(/THROTTLE_OVERRIDES: "like:fax=1\/1h": unknown channel fax/);
    expect(text).toMatch(/PROVIDER_RATE_TWILLIO names no provider/);
    expect(text).toMatch(/PROVIDER_RATE_SMTP="fast" is not a rate/);
  });
});
