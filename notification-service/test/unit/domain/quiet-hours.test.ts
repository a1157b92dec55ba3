import { describe, expect, it } from 'vitest';
import { isQuietAt, quietEndsAfter, quietPeriodAt } from '../../../src/domain/quiet-hours.js';

const NY = 'America/New_York';
const night = { start: '22:00', end: '07:00' };
const utc = (iso: string) => new Date(`${iso}Z`);

describe('isQuietAt: plain days', () => {
  it.each([
    ['2024-05-01T21:59:59', false],
    ['2024-05-01T22:00:00', true],
    ['2024-05-01T23:59:00', true],
    ['2024-05-02T00:00:00', true],
    ['2024-05-02T06:59:59', true],
    ['2024-05-02T07:00:00', false],
    ['2024-05-02T12:00:00', false],
  ])('22:00→07:00 in UTC at %s: %s', (iso, quiet) => {
    expect(isQuietAt(utc(iso), night, 'UTC')).toBe(quiet);
  });

  it.each([
    ['2024-05-01T08:59', false],
    ['2024-05-01T09:00', true],
    ['2024-05-01T16:59', true],
    ['2024-05-01T17:00', false],
    ['2024-05-01T23:00', false],
  ])('a same-day window 09:00→17:00 at %s: %s', (iso, quiet) => {
    expect(isQuietAt(utc(iso), { start: '09:00', end: '17:00' }, 'UTC')).toBe(quiet);
  });

  it('reads the clock in the person’s zone, not the server’s', () => {
    // 03:00 UTC is 23:00 the evening before in New York (EDT, UTC-4) and 08:30 in Kolkata (UTC+5:30).
    const t = utc('2024-05-02T03:00');
    expect(isQuietAt(t, night, NY)).toBe(true);
    expect(isQuietAt(t, night, 'Asia/Kolkata')).toBe(false);
    expect(isQuietAt(t, night, 'UTC')).toBe(true);
    expect(isQuietAt(utc('2024-05-02T01:29'), night, 'Asia/Kolkata')).toBe(true); // 06:59 IST
    expect(isQuietAt(utc('2024-05-02T01:30'), night, 'Asia/Kolkata')).toBe(false); // 07:00 IST
  });

  it('has no quiet hours when they are malformed or empty', () => {
    const t = utc('2024-05-02T01:00');
    expect(isQuietAt(t, { start: '25:00', end: '07:00' }, 'UTC')).toBe(false);
    expect(isQuietAt(t, { start: '01:00', end: '01:00' }, 'UTC')).toBe(false);
    expect(quietEndsAfter(t, { start: '1:00', end: '07:00' }, 'UTC')).toEqual(t);
  });
});

describe('quiet hours in New York across DST changes', () => {
  // 2024-03-10: at 02:00 EST (07:00Z) clocks jump to 03:00 EDT. 2024-11-03: at 02:00 EDT (06:00Z)
  // clocks fall back to 01:00 EST.
  it('spring forward: the night of 9→10 March runs 22:00 EST → 07:00 EDT, one hour shorter', () => {
    expect(quietPeriodAt(utc('2024-03-10T05:00'), night, NY)).toEqual({ start: utc('2024-03-10T03:00'), end: utc('2024-03-10T11:00') });
    expect(isQuietAt(utc('2024-03-10T02:59'), night, NY)).toBe(false); // 21:59 EST
    expect(isQuietAt(utc('2024-03-10T10:59'), night, NY)).toBe(true); // 06:59 EDT
    expect(isQuietAt(utc('2024-03-10T11:00'), night, NY)).toBe(false); // 07:00 EDT; a fixed EST offset would still say quiet
    expect(quietEndsAfter(utc('2024-03-10T06:30'), night, NY)).toEqual(utc('2024-03-10T11:00'));
  });

  it('fall back: the night of 2→3 November runs 22:00 EDT → 07:00 EST, one hour longer', () => {
    expect(quietPeriodAt(utc('2024-11-03T06:30'), night, NY)).toEqual({ start: utc('2024-11-03T02:00'), end: utc('2024-11-03T12:00') });
    expect(isQuietAt(utc('2024-11-03T11:30'), night, NY)).toBe(true); // 06:30 EST; a fixed EDT offset would say awake
    expect(isQuietAt(utc('2024-11-03T12:00'), night, NY)).toBe(false);
    expect(quietEndsAfter(utc('2024-11-03T03:00'), night, NY)).toEqual(utc('2024-11-03T12:00'));
  });

  it('a boundary inside the skipped hour falls on the jump itself', () => {
    const startsInGap = { start: '02:30', end: '06:00' };
    expect(isQuietAt(utc('2024-03-10T06:59'), startsInGap, NY)).toBe(false); // 01:59 EST
    expect(quietPeriodAt(utc('2024-03-10T07:00'), startsInGap, NY)).toEqual({ start: utc('2024-03-10T07:00'), end: utc('2024-03-10T10:00') });
    const endsInGap = { start: '23:00', end: '02:30' };
    expect(isQuietAt(utc('2024-03-10T06:59'), endsInGap, NY)).toBe(true);
    expect(isQuietAt(utc('2024-03-10T07:00'), endsInGap, NY)).toBe(false); // 03:00 EDT
    expect(quietEndsAfter(utc('2024-03-10T05:00'), endsInGap, NY)).toEqual(utc('2024-03-10T07:00'));
  });

  it('a window inside the skipped hour simply does not happen that night', () => {
    const inGap = { start: '02:10', end: '02:40' };
    expect(isQuietAt(utc('2024-03-10T07:00'), inGap, NY)).toBe(false);
    // The next real period is the following night: 02:40 EDT on 11 March.
    expect(quietEndsAfter(utc('2024-03-10T06:00'), inGap, NY)).toEqual(utc('2024-03-11T06:40'));
  });

  it('a boundary inside the repeated hour uses its first occurrence, so the period is never split', () => {
    const repeated = { start: '00:30', end: '01:30' };
    expect(quietPeriodAt(utc('2024-11-03T05:00'), repeated, NY)).toEqual({ start: utc('2024-11-03T04:30'), end: utc('2024-11-03T05:30') });
    expect(isQuietAt(utc('2024-11-03T06:10'), repeated, NY)).toBe(false); // 01:10 EST, the second time round
  });
});

describe('quietEndsAfter', () => {
  it('is the end of the current period while quiet', () => {
    expect(quietEndsAfter(utc('2024-05-01T23:00'), night, 'UTC')).toEqual(utc('2024-05-02T07:00'));
    expect(quietEndsAfter(utc('2024-05-02T06:59'), night, 'UTC')).toEqual(utc('2024-05-02T07:00'));
  });

  it('is the end of the next period otherwise', () => {
    expect(quietEndsAfter(utc('2024-05-01T12:00'), night, 'UTC')).toEqual(utc('2024-05-02T07:00'));
    expect(quietEndsAfter(utc('2024-05-01T07:00'), night, 'UTC')).toEqual(utc('2024-05-02T07:00'));
    expect(quietEndsAfter(utc('2024-05-01T18:00'), { start: '09:00', end: '17:00' }, 'UTC')).toEqual(utc('2024-05-02T17:00'));
  });

  it('is always later than now when given valid quiet hours', () => {
    for (let h = 0; h < 48; h++) {
      const now = new Date(utc('2024-03-09T12:00').getTime() + h * 3_600_000);
      expect(quietEndsAfter(now, night, NY).getTime()).toBeGreaterThan(now.getTime());
      expect(isQuietAt(quietEndsAfter(now, night, NY), night, NY)).toBe(false);
    }
  });
});
