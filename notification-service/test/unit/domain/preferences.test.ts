import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PREFERENCES, defaultPreferencesFor, frequencyFor, isChannelOn, normalizePreferences,
} from '../../../src/domain/preferences.js';
import { prefs } from './mother.js';

describe('DEFAULT_PREFERENCES', () => {
  it('has the inbox and email on, SMS, Slack and push off, instant, no quiet hours, UTC, digests at 8, no Slack webhook', () => {
    expect(DEFAULT_PREFERENCES).toEqual({
      channels: { in_app: true, email: true, sms: false, slack: false, push: false },
      types: {}, frequency: 'instant', quietHours: null, timezone: 'UTC', digestHour: 8, slackWebhookUrl: null,
    });
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(DEFAULT_PREFERENCES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_PREFERENCES.channels)).toBe(true);
    const result = normalizePreferences({});
    if (!result.ok) throw new Error('expected ok');
    result.value.channels.sms = true;
    expect(DEFAULT_PREFERENCES.channels.sms).toBe(false);
  });

  it('can start from a registered time zone, falling back to UTC for an unknown one', () => {
    expect(defaultPreferencesFor('europe/lisbon').timezone).toBe('Europe/Lisbon');
    expect(defaultPreferencesFor('Nowhere/Special').timezone).toBe('UTC');
    expect(defaultPreferencesFor(null).timezone).toBe('UTC');
  });
});

describe('normalizePreferences: merging', () => {
  it('lays a partial body over the defaults', () => {
    expect(normalizePreferences({ channels: { sms: true }, frequency: 'daily' })).toEqual({
      ok: true,
      value: { ...DEFAULT_PREFERENCES, channels: { in_app: true, email: true, sms: true, slack: false, push: false }, frequency: 'daily' },
    });
  });

  it('accepts the full body of docs/api.md and canonicalizes the zone name', () => {
    const body = {
      channels: { in_app: true, email: false, sms: true, slack: true, push: true },
      types: { like: { email: false, frequency: 'weekly' }, message: { sms: true, slack: false } },
      frequency: 'instant', quietHours: { start: '22:00', end: '07:00' }, timezone: 'america/new_york',
      digestHour: 18, slackWebhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX',
    };
    expect(normalizePreferences(body)).toEqual({ ok: true, value: { ...body, timezone: 'America/New_York' } });
  });

  it('lays a partial update over stored preferences, type by type and field by field', () => {
    const stored = prefs({ types: { like: { email: false, frequency: 'daily' } }, quietHours: { start: '23:00', end: '06:00' }, timezone: 'Europe/Lisbon' });
    const updated = prefs({ types: { like: { frequency: 'weekly' }, follow: { push: false } } }, stored);
    expect(updated.types).toEqual({ follow: { push: false }, like: { email: false, frequency: 'weekly' } });
    expect(updated.quietHours).toEqual({ start: '23:00', end: '06:00' });
    expect(updated.timezone).toBe('Europe/Lisbon');
  });

  it('removes quiet hours given null', () => {
    const stored = prefs({ quietHours: { start: '23:00', end: '06:00' } });
    expect(prefs({ quietHours: null }, stored).quietHours).toBeNull();
  });

  it('drops empty per-type overrides', () => {
    expect(prefs({ types: { like: {} } }).types).toEqual({});
  });
});

describe('normalizePreferences: invalid input names the field', () => {
  it.each([
    ['a non-object body', null, 'body'],
    ['an array body', [], 'body'],
    ['an unknown top-level field', { sound: true }, 'sound'],
    ['a channels list', { channels: ['email'] }, 'channels'],
    ['an unknown channel', { channels: { fax: true } }, 'channels.fax'],
    ['a channel switch as a string', { channels: { email: 'yes' } }, 'channels.email'],
    ['a bad global frequency', { frequency: 'hourly' }, 'frequency'],
    ['types as a list', { types: [] }, 'types'],
    ['an unknown notification type', { types: { poke: { email: false } } }, 'types.poke'],
    ['a prototype key as a type', JSON.parse('{"types":{"__proto__":{"email":false}}}'), 'types.__proto__'],
    ['a type override that is not an object', { types: { like: true } }, 'types.like'],
    ['an unknown field in a type override', { types: { like: { sound: 'ding' } } }, 'types.like.sound'],
    ['a type channel switch as a number', { types: { like: { push: 1 } } }, 'types.like.push'],
    ['a bad type frequency', { types: { like: { frequency: 'monthly' } } }, 'types.like.frequency'],
    ['quiet hours as a string', { quietHours: '22:00-07:00' }, 'quietHours'],
    ['quiet hours without a start', { quietHours: { end: '07:00' } }, 'quietHours.start'],
    ['a 12-hour start', { quietHours: { start: '10pm', end: '07:00' } }, 'quietHours.start'],
    ['an impossible end', { quietHours: { start: '22:00', end: '24:00' } }, 'quietHours.end'],
    ['an empty quiet period', { quietHours: { start: '22:00', end: '22:00' } }, 'quietHours.end'],
    ['an unknown quiet hours field', { quietHours: { start: '22:00', end: '07:00', days: [] } }, 'quietHours.days'],
    ['a made-up time zone', { timezone: 'Mars/Phobos' }, 'timezone'],
    ['a UTC offset instead of a zone', { timezone: '+02:00' }, 'timezone'],
    ['a null time zone', { timezone: null }, 'timezone'],
    ['a digest hour past 23', { digestHour: 24 }, 'digestHour'],
    ['a fractional digest hour', { digestHour: 7.5 }, 'digestHour'],
    ['a digest hour as a string', { digestHour: '8' }, 'digestHour'],
    ['a Slack webhook on another host', { slackWebhookUrl: 'https://hooks.example.com/services/T000/B000/XXXXXXXX' }, 'slackWebhookUrl'],
    ['a Slack webhook over http', { slackWebhookUrl: 'http://hooks.slack.com/services/T000/B000/XXXXXXXX' }, 'slackWebhookUrl'],
  ])('%s → %s', (_, input, field) => {
    const result = normalizePreferences(input);
    expect(result).toMatchObject({ ok: false, field });
    if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
  });

  it('lists the known types when refusing an unknown one', () => {
    expect(normalizePreferences({ types: { poke: {} } })).toMatchObject({ ok: false, message: expect.stringContaining('mention') });
  });
});

describe('isChannelOn and frequencyFor', () => {
  it('needs the master switch and the type switch', () => {
    const p = prefs({ channels: { sms: false, push: true }, types: { like: { push: false }, message: { sms: true } } });
    expect(isChannelOn(p, 'comment', 'push')).toBe(true);
    expect(isChannelOn(p, 'like', 'push')).toBe(false);
    expect(isChannelOn(p, 'message', 'sms')).toBe(false); // a type cannot switch on what is off globally
  });

  it('lets a type’s frequency beat the global one, in both directions', () => {
    const p = prefs({ frequency: 'daily', types: { message: { frequency: 'instant' }, like: { frequency: 'weekly' } } });
    expect(frequencyFor(p, 'message')).toBe('instant');
    expect(frequencyFor(p, 'like')).toBe('weekly');
    expect(frequencyFor(p, 'comment')).toBe('daily');
  });
});
