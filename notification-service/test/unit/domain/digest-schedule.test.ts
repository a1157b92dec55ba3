import { describe, expect, it } from 'vitest';
import { isoWeekOf, isoWeekday, latestDigestSlot, nextDigestSlot, type DigestFrequency } from '../../../src/domain/digest-schedule.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The digest instants of the days around each daylight-saving change of 2026 in two zones, at the
 * hour the clock skips or repeats and at 08:00. Each local day has exactly one instant: a skipped
 * hour maps to the jump, a repeated one to its first occurrence.
 */
const MATRIX: { zone: string; change: string; hour: number; expect: Record<string, string> }[] = [
  // New York, spring forward 2026-03-08 02:00 EST → 03:00 EDT (07:00Z): 02:00 does not exist that day.
  { zone: 'America/New_York', change: 'spring', hour: 2, expect: { '2026-03-07': '2026-03-07T07:00:00Z', '2026-03-08': '2026-03-08T07:00:00Z', '2026-03-09': '2026-03-09T06:00:00Z' } },
  { zone: 'America/New_York', change: 'spring', hour: 8, expect: { '2026-03-07': '2026-03-07T13:00:00Z', '2026-03-08': '2026-03-08T12:00:00Z', '2026-03-09': '2026-03-09T12:00:00Z' } },
  // New York, fall back 2026-11-01 02:00 EDT → 01:00 EST (06:00Z): 01:00-01:59 happens twice, 02:00 once.
  { zone: 'America/New_York', change: 'fall', hour: 1, expect: { '2026-10-31': '2026-10-31T05:00:00Z', '2026-11-01': '2026-11-01T05:00:00Z', '2026-11-02': '2026-11-02T06:00:00Z' } },
  { zone: 'America/New_York', change: 'fall', hour: 2, expect: { '2026-10-31': '2026-10-31T06:00:00Z', '2026-11-01': '2026-11-01T07:00:00Z', '2026-11-02': '2026-11-02T07:00:00Z' } },
  { zone: 'America/New_York', change: 'fall', hour: 8, expect: { '2026-10-31': '2026-10-31T12:00:00Z', '2026-11-01': '2026-11-01T13:00:00Z', '2026-11-02': '2026-11-02T13:00:00Z' } },
  // Berlin, spring forward 2026-03-29 02:00 CET → 03:00 CEST (01:00Z): 02:00 does not exist that day.
  { zone: 'Europe/Berlin', change: 'spring', hour: 2, expect: { '2026-03-28': '2026-03-28T01:00:00Z', '2026-03-29': '2026-03-29T01:00:00Z', '2026-03-30': '2026-03-30T00:00:00Z' } },
  { zone: 'Europe/Berlin', change: 'spring', hour: 8, expect: { '2026-03-28': '2026-03-28T07:00:00Z', '2026-03-29': '2026-03-29T06:00:00Z', '2026-03-30': '2026-03-30T06:00:00Z' } },
  // Berlin, fall back 2026-10-25 03:00 CEST → 02:00 CET (01:00Z): 02:00-02:59 happens twice.
  { zone: 'Europe/Berlin', change: 'fall', hour: 2, expect: { '2026-10-24': '2026-10-24T00:00:00Z', '2026-10-25': '2026-10-25T00:00:00Z', '2026-10-26': '2026-10-26T01:00:00Z' } },
  { zone: 'Europe/Berlin', change: 'fall', hour: 8, expect: { '2026-10-24': '2026-10-24T06:00:00Z', '2026-10-25': '2026-10-25T07:00:00Z', '2026-10-26': '2026-10-26T07:00:00Z' } },
];

/** Sweeps every `stepMs` from `from` to `to`, claiming each period the first time its slot is seen: what a run key does. */
function simulate(from: Date, to: Date, stepMs: number, slotAt: (t: Date) => { period: string; at: Date }) {
  const claimed = new Map<string, { at: Date; sweptAt: Date }>();
  const seen: string[] = [];
  for (let t = from.getTime(); t <= to.getTime(); t += stepMs) {
    const slot = slotAt(new Date(t));
    seen.push(slot.period);
    if (!claimed.has(slot.period)) claimed.set(slot.period, { at: slot.at, sweptAt: new Date(t) });
  }
  return { claimed, seen };
}

describe('digest periods across daylight-saving changes', () => {
  it.each(MATRIX)('$zone, $change 2026, digestHour $hour: one instant per local day, at the expected UTC instant', ({ zone, hour, expect: expected }) => {
    const days = Object.keys(expected);
    const from = new Date(Date.parse(`${days[0]}T00:00:00Z`) - 12 * HOUR);
    const to = new Date(Date.parse(`${days.at(-1)}T00:00:00Z`) + 36 * HOUR);
    // Sweeps every 5 minutes (every slot here is on a whole UTC hour, so some sweep lands on it exactly).
    const { claimed, seen } = simulate(from, to, 5 * MINUTE, (t) => latestDigestSlot(t, 'daily', zone, hour));
    for (const day of days) {
      const got = claimed.get(day);
      expect(got, `${day} claimed`).toBeDefined();
      expect(got!.at.toISOString()).toBe(new Date(expected[day]!).toISOString());
      // Sent by the first sweep at or after the instant: not before, and not an hour late.
      expect(got!.sweptAt.toISOString()).toBe(new Date(expected[day]!).toISOString());
    }
    // Never skipped: consecutive local days. Never twice: once a day's slot is latest, no earlier day comes back.
    const periods = [...claimed.keys()];
    for (let i = 1; i < periods.length; i++) {
      const gap = (Date.parse(`${periods[i]}T00:00:00Z`) - Date.parse(`${periods[i - 1]}T00:00:00Z`)) / (24 * HOUR);
      expect(gap).toBe(1);
    }
    const firstSeen = seen.map((p, i) => seen.indexOf(p) === i);
    const order = seen.filter((_, i) => firstSeen[i]);
    expect(order).toEqual(periods);
    for (let i = 1; i < seen.length; i++) expect(seen[i]! >= seen[i - 1]!).toBe(true);
  });

  it.each(MATRIX)('$zone, $change 2026, digestHour $hour: nextDigestSlot walks the same instants', ({ zone, hour, expect: expected }) => {
    const days = Object.keys(expected);
    let after = new Date(Date.parse(`${days[0]}T00:00:00Z`) - 12 * HOUR);
    const got: Record<string, string> = {};
    for (let i = 0; i < days.length + 1; i++) {
      const slot = nextDigestSlot(after, 'daily', zone, hour);
      if (slot.period in expected) got[slot.period] = slot.at.toISOString();
      after = slot.at;
    }
    expect(got).toEqual(Object.fromEntries(Object.entries(expected).map(([d, at]) => [d, new Date(at).toISOString()])));
  });

  it('the repeated hour is sent at its first occurrence only (Berlin 2026-10-25, 02:00 CEST then 02:00 CET)', () => {
    const first = latestDigestSlot(new Date('2026-10-25T00:00:00Z'), 'daily', 'Europe/Berlin', 2); // 02:00 CEST
    const again = latestDigestSlot(new Date('2026-10-25T01:00:00Z'), 'daily', 'Europe/Berlin', 2); // 02:00 CET, the same wall time
    expect(first).toEqual({ frequency: 'daily', period: '2026-10-25', at: new Date('2026-10-25T00:00:00Z') });
    expect(again.period).toBe('2026-10-25');
    expect(again.at).toEqual(first.at);
    // One millisecond before the first occurrence, it is still the previous day's.
    expect(latestDigestSlot(new Date('2026-10-24T23:59:59.999Z'), 'daily', 'Europe/Berlin', 2).period).toBe('2026-10-24');
  });

  it('the skipped hour is sent at the jump (New York 2026-03-08: 02:00 does not exist; 03:00 EDT = 07:00Z)', () => {
    expect(latestDigestSlot(new Date('2026-03-08T06:59:59.999Z'), 'daily', 'America/New_York', 2).period).toBe('2026-03-07');
    expect(latestDigestSlot(new Date('2026-03-08T07:00:00Z'), 'daily', 'America/New_York', 2)).toEqual({ frequency: 'daily', period: '2026-03-08', at: new Date('2026-03-08T07:00:00Z') });
  });
});

describe('weekly periods', () => {
  it('names ISO weeks, year ends included', () => {
    expect(isoWeekOf({ year: 2026, month: 3, day: 29 })).toBe('2026-W13'); // a Sunday
    expect(isoWeekOf({ year: 2026, month: 3, day: 30 })).toBe('2026-W14');
    expect(isoWeekOf({ year: 2026, month: 12, day: 31 })).toBe('2026-W53');
    expect(isoWeekOf({ year: 2027, month: 1, day: 3 })).toBe('2026-W53');
    expect(isoWeekOf({ year: 2027, month: 1, day: 4 })).toBe('2027-W01');
    expect(isoWeekOf({ year: 2024, month: 12, day: 30 })).toBe('2025-W01');
    expect(isoWeekday({ year: 2026, month: 3, day: 30 })).toBe(1);
    expect(isoWeekday({ year: 2026, month: 3, day: 29 })).toBe(7);
  });

  it('goes out on Mondays at digestHour in the person’s zone, one per ISO week', () => {
    // Monday 2026-03-30 08:00 CEST = 06:00Z (the week after Berlin's spring change).
    expect(latestDigestSlot(new Date('2026-03-30T05:59:00Z'), 'weekly', 'Europe/Berlin', 8)).toEqual({ frequency: 'weekly', period: '2026-W13', at: new Date('2026-03-23T07:00:00Z') });
    expect(latestDigestSlot(new Date('2026-03-30T06:00:00Z'), 'weekly', 'Europe/Berlin', 8)).toEqual({ frequency: 'weekly', period: '2026-W14', at: new Date('2026-03-30T06:00:00Z') });
    const { claimed } = simulate(new Date('2026-03-01T00:00:00Z'), new Date('2026-04-14T00:00:00Z'), 15 * MINUTE, (t) => latestDigestSlot(t, 'weekly', 'America/New_York', 8));
    expect([...claimed.entries()].map(([p, c]) => [p, c.at.toISOString()])).toEqual([
      ['2026-W09', '2026-02-23T13:00:00.000Z'],
      ['2026-W10', '2026-03-02T13:00:00.000Z'],
      ['2026-W11', '2026-03-09T12:00:00.000Z'], // the Monday after the change: EDT
      ['2026-W12', '2026-03-16T12:00:00.000Z'],
      ['2026-W13', '2026-03-23T12:00:00.000Z'],
      ['2026-W14', '2026-03-30T12:00:00.000Z'],
      ['2026-W15', '2026-04-06T12:00:00.000Z'],
      ['2026-W16', '2026-04-13T12:00:00.000Z'],
    ]);
  });

  it.each<[string, number, string, string]>([
    ['Europe/Berlin', 2, '2026-03-29', '2026-03-29T01:00:00.000Z'],
    ['Europe/Berlin', 2, '2026-10-25', '2026-10-25T00:00:00.000Z'],
    ['America/New_York', 2, '2026-03-08', '2026-03-08T07:00:00.000Z'],
    ['America/New_York', 1, '2026-11-01', '2026-11-01T05:00:00.000Z'],
  ])('a weekday that is a change day (%s, %i:00, Sunday %s) keeps one slot that week', (zone, hour, day, at) => {
    const frequency: DigestFrequency = 'weekly';
    const from = new Date(Date.parse(`${day}T00:00:00Z`) - 3 * 24 * HOUR);
    const { claimed } = simulate(from, new Date(from.getTime() + 7 * 24 * HOUR), 5 * MINUTE, (t) => latestDigestSlot(t, frequency, zone, hour, 7));
    const week = isoWeekOf({ year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8, 10)) });
    expect(claimed.get(week)?.at.toISOString()).toBe(at);
    expect(claimed.get(week)?.sweptAt.toISOString()).toBe(at);
  });

  it('an invalid stored hour counts as the default 8', () => {
    expect(latestDigestSlot(new Date('2026-06-01T12:00:00Z'), 'daily', 'UTC', 42).at).toEqual(new Date('2026-06-01T08:00:00Z'));
  });
});
