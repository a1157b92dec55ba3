import { addDays, instantAt, wallClockAt, type LocalDate } from './local-time.js';

/**
 * When digests go out (docs/channels.md "Digests"): daily at the person's `digestHour` in their own
 * zone, weekly at that hour on DIGEST_WEEKDAY. Each local day (daily) or ISO week (weekly) is one
 * **period**, named by a string that is the period's run key together with the person and the
 * frequency: `2026-03-29`, `2026-W13`.
 *
 * A period's digest instant is the first instant at which the local clock reads `digestHour:00` or
 * later on its day (local-time.ts `instantAt`). So on a spring-forward day a digest hour the clock
 * skips goes out at the jump (02:00 in Berlin on 29 March → 03:00 CEST, 01:00Z), and on a fall-back
 * day an hour the clock repeats goes out at its first occurrence. Every day has exactly one instant,
 * and the instants of consecutive days are strictly increasing, so a sweep that asks "which period's
 * instant came last?" at any moment sees each period once, in order: never twice, never skipped.
 */

export type DigestFrequency = 'daily' | 'weekly';

/** ISO weekday (1 = Monday … 7 = Sunday) of weekly digests. Preferences carry no weekday: Monday for everyone. */
export const DIGEST_WEEKDAY = 1;

export interface DigestSlot {
  frequency: DigestFrequency;
  /** `YYYY-MM-DD` (daily) or `YYYY-Www` (weekly, ISO week-numbering year): the run key's period. */
  period: string;
  /** The instant the period's digest became due. */
  at: Date;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const day = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** `2026-W13`: the ISO 8601 week of a calendar date (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekOf(date: LocalDate): string {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const dayOfYear = Math.round((Date.UTC(thursday.year, thursday.month - 1, thursday.day) - Date.UTC(thursday.year, 0, 1)) / 86_400_000) + 1;
  return `${thursday.year}-W${pad(Math.floor((dayOfYear - 1) / 7) + 1)}`;
}

export const dateKey = (date: LocalDate): string => `${date.year}-${pad(date.month)}-${pad(date.day)}`;

function periodOf(date: LocalDate, frequency: DigestFrequency): string {
  return frequency === 'daily' ? dateKey(date) : isoWeekOf(date);
}

/** The local date of the digest day on or before `date` (every day for daily; the weekday for weekly). */
function digestDayOnOrBefore(date: LocalDate, frequency: DigestFrequency, weekday: number): LocalDate {
  if (frequency === 'daily') return date;
  return addDays(date, -((isoWeekday(date) - weekday + 7) % 7));
}

// A sweep asks about the same few (zone, day, hour) triples for every person it looks at.
const instants = new Map<string, number>();

function slotInstant(day: LocalDate, minute: number, timeZone: string): Date {
  const key = `${timeZone}|${day.year}-${day.month}-${day.day}|${minute}`;
  let ms = instants.get(key);
  if (ms === undefined) {
    ms = instantAt(day, minute, timeZone).getTime();
    if (instants.size >= 4096) instants.clear();
    instants.set(key, ms);
  }
  return new Date(ms);
}

function validHour(hour: number): number {
  return Number.isInteger(hour) && hour >= 0 && hour <= 23 ? hour : 8;
}

/**
 * The latest digest slot at or before `now`: the period whose digest is due (or was, if it is
 * already claimed). `hour` is the person's digestHour (an invalid stored value counts as the default 8).
 */
export function latestDigestSlot(now: Date, frequency: DigestFrequency, timeZone: string, hour: number, weekday = DIGEST_WEEKDAY): DigestSlot {
  const minute = validHour(hour) * 60;
  const step = frequency === 'daily' ? 1 : 7;
  let day = digestDayOnOrBefore(wallClockAt(now, timeZone), frequency, weekday);
  // The slot of today's (this week's) digest day has come, or it is still ahead and the previous one is the latest.
  for (;;) {
    const at = slotInstant(day, minute, timeZone);
    if (at.getTime() <= now.getTime()) return { frequency, period: periodOf(day, frequency), at };
    day = addDays(day, -step);
  }
}

/** The first digest slot strictly after `after` (the next time a digest of this frequency will go out). */
export function nextDigestSlot(after: Date, frequency: DigestFrequency, timeZone: string, hour: number, weekday = DIGEST_WEEKDAY): DigestSlot {
  const minute = validHour(hour) * 60;
  const step = frequency === 'daily' ? 1 : 7;
  let day = digestDayOnOrBefore(wallClockAt(after, timeZone), frequency, weekday);
  for (;;) {
    const at = slotInstant(day, minute, timeZone);
    if (at.getTime() > after.getTime()) return { frequency, period: periodOf(day, frequency), at };
    day = addDays(day, step);
  }
}
