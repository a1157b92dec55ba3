import { describe, expect, it } from 'vitest';
import { addDays, canonicalTimeZone, instantAt, offsetAt, parseClockTime, wallClockAt } from '../../../src/domain/local-time.js';

describe('canonicalTimeZone', () => {
  it.each([
    ['UTC', 'UTC'],
    ['america/new_york', 'America/New_York'],
    ['Europe/Lisbon', 'Europe/Lisbon'],
  ])('accepts %s as %s', (input, canonical) => {
    expect(canonicalTimeZone(input)).toBe(canonical);
  });

  it.each(['Mars/Phobos', '', '+05:00', '-0300', 'Z', 'Europe/', 'x'.repeat(100)])('refuses %j', (input) => {
    expect(canonicalTimeZone(input)).toBeNull();
  });
});

describe('wall clock arithmetic', () => {
  it('reads the local date and minute of day', () => {
    expect(wallClockAt(new Date('2024-03-10T06:59:00Z'), 'America/New_York')).toEqual({ year: 2024, month: 3, day: 10, minuteOfDay: 119 });
    expect(wallClockAt(new Date('2024-03-10T07:00:00Z'), 'America/New_York')).toEqual({ year: 2024, month: 3, day: 10, minuteOfDay: 180 });
    expect(wallClockAt(new Date('2024-01-01T00:00:00Z'), 'UTC')).toEqual({ year: 2024, month: 1, day: 1, minuteOfDay: 0 });
  });

  it('knows each zone’s offset, half hours included', () => {
    expect(offsetAt(Date.parse('2024-07-01T00:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
    expect(offsetAt(Date.parse('2024-01-01T00:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
    expect(offsetAt(Date.parse('2024-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('adds days across month and year ends and leap days', () => {
    expect(addDays({ year: 2024, month: 2, day: 28 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addDays({ year: 2024, month: 12, day: 31 }, 1)).toEqual({ year: 2025, month: 1, day: 1 });
    expect(addDays({ year: 2024, month: 3, day: 1 }, -1)).toEqual({ year: 2024, month: 2, day: 29 });
  });

  it('maps an ordinary wall time to its one instant', () => {
    expect(instantAt({ year: 2024, month: 7, day: 1 }, 9 * 60, 'America/New_York')).toEqual(new Date('2024-07-01T13:00:00Z'));
  });

  it('maps a time skipped by spring-forward to the moment of the jump', () => {
    expect(instantAt({ year: 2024, month: 3, day: 10 }, 150, 'America/New_York')).toEqual(new Date('2024-03-10T07:00:00Z'));
    // Samoa skipped 30 December 2011 entirely.
    expect(instantAt({ year: 2011, month: 12, day: 30 }, 12 * 60, 'Pacific/Apia')).toEqual(new Date('2011-12-30T10:00:00Z'));
  });

  it('maps a time repeated by fall-back to its first occurrence', () => {
    expect(instantAt({ year: 2024, month: 11, day: 3 }, 90, 'America/New_York')).toEqual(new Date('2024-11-03T05:30:00Z'));
  });
});

describe('parseClockTime', () => {
  it.each([['00:00', 0], ['07:30', 450], ['23:59', 1439]])('reads %s', (input, minutes) => {
    expect(parseClockTime(input)).toBe(minutes);
  });

  it.each(['24:00', '7:30', '07:60', '07:3', '0730', ' 07:30', '07:30:00', ''])('refuses %j', (input) => {
    expect(parseClockTime(input)).toBeNull();
  });
});
