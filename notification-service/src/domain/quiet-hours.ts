import { addDays, instantAt, parseClockTime, wallClockAt, type LocalDate } from './local-time.js';

/**
 * Quiet hours are a nightly period of real time in the person's zone: from `start` on one local day
 * to the next `end` (the same day when end > start, the next day when it is not: 22:00→07:00).
 * Each boundary is the first instant the local clock reads that time or later (local-time.ts), so
 * on DST days the period is still one unbroken stretch: it grows or shrinks by the hour the clock
 * skipped or repeated, it is never split in two, and a boundary inside a skipped hour falls on the
 * jump. Malformed times or start === end mean no quiet hours: preferences are validated when
 * written, and a bad stored value must not hold back everyone's notifications.
 */

export interface QuietHours {
  start: string; // 'HH:MM'
  end: string;
}

export interface QuietPeriod {
  start: Date;
  end: Date;
}

// One chunk of a fan-out asks about the same few (zone, day, time) triples over and over.
const boundaries = new Map<string, number>();

function boundary(date: LocalDate, minuteOfDay: number, timeZone: string): number {
  const key = `${timeZone}|${date.year}-${date.month}-${date.day}|${minuteOfDay}`;
  let ms = boundaries.get(key);
  if (ms === undefined) {
    ms = instantAt(date, minuteOfDay, timeZone).getTime();
    if (boundaries.size >= 4096) boundaries.clear();
    boundaries.set(key, ms);
  }
  return ms;
}

function parse(quiet: QuietHours): { start: number; end: number } | null {
  const start = parseClockTime(quiet.start);
  const end = parseClockTime(quiet.end);
  return start === null || end === null || start === end ? null : { start, end };
}

function periodStartingOn(date: LocalDate, q: { start: number; end: number }, timeZone: string) {
  const endDate = q.end < q.start ? addDays(date, 1) : date;
  return { start: boundary(date, q.start, timeZone), end: boundary(endDate, q.end, timeZone) };
}

/** The quiet period that contains `now`, or null. */
export function quietPeriodAt(now: Date, quiet: QuietHours, timeZone: string): QuietPeriod | null {
  const q = parse(quiet);
  if (!q) return null;
  const t = now.getTime();
  const today = wallClockAt(t, timeZone);
  // Only the period that began today or the one that began yesterday can still be running.
  for (const day of [today, addDays(today, -1)]) {
    const period = periodStartingOn(day, q, timeZone);
    if (period.start <= t && t < period.end) return { start: new Date(period.start), end: new Date(period.end) };
  }
  return null;
}

export function isQuietAt(now: Date, quiet: QuietHours, timeZone: string): boolean {
  return quietPeriodAt(now, quiet, timeZone) !== null;
}

/**
 * The next instant quiet hours end: the end of the current period when `now` is quiet, otherwise
 * the end of the next period to begin. Without (valid) quiet hours there is nothing to wait for: `now`.
 */
export function quietEndsAfter(now: Date, quiet: QuietHours, timeZone: string): Date {
  const current = quietPeriodAt(now, quiet, timeZone);
  if (current) return current.end;
  const q = parse(quiet);
  if (!q) return new Date(now.getTime());
  const t = now.getTime();
  const today = wallClockAt(t, timeZone);
  for (const day of [today, addDays(today, 1)]) {
    const period = periodStartingOn(day, q, timeZone);
    // A period squeezed to nothing by a skipped hour is no period at all.
    if (period.start > t && period.end > period.start) return new Date(period.end);
  }
  return new Date(periodStartingOn(addDays(today, 2), q, timeZone).end);
}
