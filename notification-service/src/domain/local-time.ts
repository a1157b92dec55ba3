/**
 * Wall-clock arithmetic in IANA time zones with nothing but Intl (no date library). The one hard
 * question, "which instant is 07:00 on 10 March in New York?", is answered as: the first instant
 * whose local wall clock reads 07:00 or later. That single rule settles both DST edges:
 * a time skipped by spring-forward maps to the moment the clock jumps, and a time repeated by
 * fall-back maps to its first occurrence.
 */

export interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
}

export interface WallClock extends LocalDate {
  minuteOfDay: number; // 0-1439
}

const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

// Building a DateTimeFormat costs far more than using one, and a fan-out chunk asks about the
// same few zones a thousand times.
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function fields(ms: number, timeZone: string) {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type in out) out[part.type as keyof typeof out] = Number(part.value);
  }
  if (out.hour === 24) out.hour = 0; // older ICU builds print midnight as 24 even with h23
  return out;
}

const canonical = new Map<string, string | null>();

/** The canonical name of an IANA zone ('america/new_york' → 'America/New_York'), or null. */
export function canonicalTimeZone(name: string): string | null {
  const known = canonical.get(name);
  if (known !== undefined) return known;
  let result: string | null = null;
  // Newer engines accept UTC offsets ('+05:00') as zones; they carry no DST rules, so refuse them.
  if (/^[A-Za-z]/.test(name) && name.length <= 64) {
    try {
      result = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      result = null;
    }
  }
  if (canonical.size >= 1024) canonical.clear();
  canonical.set(name, result);
  return result;
}

export function wallClockAt(instant: Date | number, timeZone: string): WallClock {
  const f = fields(typeof instant === 'number' ? instant : instant.getTime(), timeZone);
  return { year: f.year, month: f.month, day: f.day, minuteOfDay: f.hour * 60 + f.minute };
}

/** Local time minus UTC at `ms`, in milliseconds (e.g. -4 h in New York in summer). */
export function offsetAt(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const f = fields(whole, timeZone);
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - whole;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The first instant at which the local wall clock in `timeZone` reads `date` `minuteOfDay` or later. */
export function instantAt(date: LocalDate, minuteOfDay: number, timeZone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE;
  // Any instant showing this wall time lies within a day of it, and real zones change offset at
  // most once in two days, so the offsets a day either side are the only candidates.
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const matches = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((ms) => offsetAt(ms, timeZone) === wall - ms);
  if (matches.length > 0) return new Date(Math.min(...matches));
  return new Date(transitionBetween(wall - after, wall - before, timeZone));
}

// The wall time fell into a spring-forward gap: find the jump itself, which lies between the
// instant computed with the later offset (still before it) and with the earlier one (after it).
function transitionBetween(lo: number, hi: number, timeZone: string): number {
  const initial = offsetAt(lo, timeZone);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === initial) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** 'HH:MM' (24-hour, two digits each) → minutes after midnight, or null. */
export function parseClockTime(value: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}
