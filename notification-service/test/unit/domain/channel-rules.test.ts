import { describe, expect, it } from 'vitest';
import { decideDelivery, initialDelivery, type ChannelDecision } from '../../../src/domain/channel-rules.js';
import type { NotificationType, Priority } from '../../../src/domain/notification.js';
import type { Preferences } from '../../../src/domain/preferences.js';
import { prefs } from './mother.js';

const noon = new Date('2024-05-01T12:00:00Z');
const midnight = new Date('2024-05-02T00:00:00Z');
const deliver: ChannelDecision = { action: 'deliver' };
const decide = (preferences: Preferences, over: { type?: NotificationType; priority?: Priority; now?: Date } = {}) =>
  decideDelivery({ preferences, type: over.type ?? 'comment', priority: over.priority ?? 'normal', now: over.now ?? noon });

const quiet = { quietHours: { start: '22:00', end: '07:00' } };
const allOn = { channels: { sms: true, slack: true, push: true } };

describe('decideDelivery: defaults', () => {
  it('puts everything in the inbox and makes email eligible; SMS, Slack and push are off', () => {
    expect(decide(prefs())).toEqual({
      in_app: deliver, email: deliver,
      sms: { action: 'skip', reason: 'channel_off' }, slack: { action: 'skip', reason: 'channel_off' }, push: { action: 'skip', reason: 'channel_off' },
    });
  });
});

describe('decideDelivery: switches', () => {
  it('skips a channel switched off for the type, and only for that type', () => {
    const p = prefs({ types: { like: { email: false, in_app: false } } });
    expect(decide(p, { type: 'like' })).toMatchObject({ in_app: { action: 'skip', reason: 'type_off' }, email: { action: 'skip', reason: 'type_off' } });
    expect(decide(p, { type: 'comment' })).toMatchObject({ in_app: deliver, email: deliver });
  });

  it('skips the inbox switched off globally', () => {
    expect(decide(prefs({ channels: { in_app: false } })).in_app).toEqual({ action: 'skip', reason: 'channel_off' });
  });

  it('does not let a type switch on a channel that is off globally', () => {
    expect(decide(prefs({ types: { comment: { sms: true } } })).sms).toEqual({ action: 'skip', reason: 'channel_off' });
  });
});

describe('decideDelivery: frequency', () => {
  it('sends fallback channels to the digest, never the inbox', () => {
    expect(decide(prefs({ ...allOn, frequency: 'daily' }))).toEqual({
      in_app: deliver, email: { action: 'digest', frequency: 'daily' }, sms: { action: 'digest', frequency: 'daily' },
      slack: { action: 'digest', frequency: 'daily' }, push: { action: 'digest', frequency: 'daily' },
    });
  });

  it('lets a type’s frequency beat the global one, in both directions', () => {
    const p = prefs({ frequency: 'weekly', types: { message: { frequency: 'instant' }, like: { frequency: 'daily' } } });
    expect(decide(p, { type: 'message' }).email).toEqual(deliver);
    expect(decide(p, { type: 'like' }).email).toEqual({ action: 'digest', frequency: 'daily' });
    expect(decide(p, { type: 'comment' }).email).toEqual({ action: 'digest', frequency: 'weekly' });
  });

  it('does not digest what is switched off', () => {
    expect(decide(prefs({ frequency: 'daily' })).sms).toEqual({ action: 'skip', reason: 'channel_off' });
  });
});

describe('decideDelivery: quiet hours', () => {
  it('defers fallback channels until quiet hours end, and leaves the inbox alone', () => {
    expect(decide(prefs({ ...allOn, ...quiet }), { now: midnight })).toEqual({
      in_app: deliver,
      email: { action: 'defer', until: new Date('2024-05-02T07:00:00Z') },
      sms: { action: 'defer', until: new Date('2024-05-02T07:00:00Z') },
      slack: { action: 'defer', until: new Date('2024-05-02T07:00:00Z') },
      push: { action: 'defer', until: new Date('2024-05-02T07:00:00Z') },
    });
  });

  it('delivers outside quiet hours', () => {
    expect(decide(prefs(quiet), { now: noon }).email).toEqual(deliver);
  });

  it('reads quiet hours in the person’s zone, through a DST change', () => {
    const p = prefs({ ...quiet, timezone: 'America/New_York' });
    // 10:30Z on 10 March 2024 is 06:30 EDT, the first morning of daylight time.
    expect(decide(p, { now: new Date('2024-03-10T10:30:00Z') }).email).toEqual({ action: 'defer', until: new Date('2024-03-10T11:00:00Z') });
    expect(decide(p, { now: new Date('2024-03-10T11:00:00Z') }).email).toEqual(deliver);
    expect(decide(p, { now: midnight }).email).toEqual(deliver); // 20:00 EDT
  });

  it('digests rather than defers when both apply: the digest has its own schedule', () => {
    expect(decide(prefs({ ...quiet, frequency: 'daily' }), { now: midnight }).email).toEqual({ action: 'digest', frequency: 'daily' });
  });
});

describe('decideDelivery: critical priority', () => {
  it('ignores digests and quiet hours', () => {
    const p = prefs({ ...allOn, ...quiet, frequency: 'weekly', types: { alert: { frequency: 'daily' } } });
    expect(decide(p, { type: 'alert', priority: 'critical', now: midnight })).toEqual({ in_app: deliver, email: deliver, sms: deliver, slack: deliver, push: deliver });
  });

  it('respects a fallback channel switched off, globally or for the type', () => {
    const p = prefs({ types: { alert: { email: false } } });
    expect(decide(p, { type: 'alert', priority: 'critical' })).toMatchObject({
      email: { action: 'skip', reason: 'type_off' }, sms: { action: 'skip', reason: 'channel_off' },
    });
  });

  it('always uses the inbox, even when it is switched off', () => {
    const p = prefs({ channels: { in_app: false }, types: { alert: { in_app: false } } });
    expect(decide(p, { type: 'alert', priority: 'critical' }).in_app).toEqual(deliver);
    expect(decide(p, { type: 'alert', priority: 'high' }).in_app).toEqual({ action: 'skip', reason: 'channel_off' });
  });

  it('is the only priority with powers', () => {
    const p = prefs({ ...quiet, frequency: 'daily' });
    for (const priority of ['low', 'normal', 'high'] as const) {
      expect(decide(p, { priority, now: midnight }).email).toEqual({ action: 'digest', frequency: 'daily' });
    }
  });
});

describe('decideDelivery: stored data it did not validate', () => {
  it('falls back to UTC for an unknown zone instead of throwing', () => {
    const p: Preferences = { ...prefs(quiet), timezone: 'Nowhere/Special' };
    expect(decide(p, { now: midnight }).email).toEqual({ action: 'defer', until: new Date('2024-05-02T07:00:00Z') });
  });
});

describe('initialDelivery', () => {
  it('turns each decision into the row the status route shows first', () => {
    const until = new Date('2024-05-02T07:00:00Z');
    expect(initialDelivery({ action: 'deliver' })).toEqual({ status: 'pending', notBefore: null, digest: null, reason: null });
    expect(initialDelivery({ action: 'digest', frequency: 'weekly' })).toEqual({ status: 'pending', notBefore: null, digest: 'weekly', reason: null });
    expect(initialDelivery({ action: 'defer', until })).toEqual({ status: 'pending', notBefore: until, digest: null, reason: null });
    expect(initialDelivery({ action: 'skip', reason: 'type_off' })).toEqual({ status: 'skipped', notBefore: null, digest: null, reason: 'type_off' });
  });
});
