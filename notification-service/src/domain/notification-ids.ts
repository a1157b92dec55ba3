/**
 * Notification ids are UUIDv7: the first 48 bits are the creation time in ms, so ids sort by time (as strings, and as uuids in PostgreSQL, which compares
 * them byte by byte) and a moment can stand in for "every id from then on".
 */

const format = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** Below every UUIDv7 made at `ms` or later: the timestamp, then version and random bits all zero. */
export function lowerBoundId(ms: number): string {
  const stamp = Math.min(Math.max(0, Math.floor(ms)), 0xffff_ffff_ffff);
  return format(`${stamp.toString(16).padStart(12, '0')}${'0'.repeat(20)}`);
}

/** The uuid just before `id`, so that "after idBefore(x)" includes x itself. */
export function idBefore(id: string): string {
  const value = BigInt(`0x${id.replaceAll('-', '')}`);
  return value === 0n ? id : format((value - 1n).toString(16).padStart(32, '0'));
}

export function minId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

export function maxId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

/** The creation time (ms) in a UUIDv7's first 48 bits; NaN for anything that is not one. */
export function idTime(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
