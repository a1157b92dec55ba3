/** Ids, stream numbers and group successors: the pure rules of web-demo/public/live.js. */

/** A notification's place in its recipient's stream, or null when it has none (written before seq existed). */
export function seqOf(n: { seq?: unknown } | null | undefined): number | null {
  const seq = n?.seq;
  return typeof seq === 'number' && Number.isInteger(seq) && seq > 0 ? seq : null;
}

/**
 * Ids sort by creation time (docs/api.md): UUIDv7 (and ULIDs) compare as strings; purely numeric
 * ids of different lengths would not, so those compare by length first. <0, 0 or >0.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * A resume cursor `ms` before the UUIDv7 `id`: that moment's timestamp with every other bit zero
 * (`7000-8000-000000000000`). An id that is not a UUIDv7 carries no time: it is its own cursor.
 */
export function earlierCursor(id: string, ms: number): string {
  if (!UUIDV7.test(id)) return id;
  const at = Math.max(0, parseInt(id.slice(0, 8) + id.slice(9, 13), 16) - ms);
  const hex = at.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** The ids a notification supersedes (`data.replaces`: one id or a list), as the server sends them. */
export function replacedIdsOf(n: { id: string; data?: unknown }): string[] {
  const r = (n.data as { replaces?: unknown } | null | undefined)?.replaces;
  if (typeof r === 'string') return r === n.id ? [] : [r];
  if (Array.isArray(r)) return r.filter((id): id is string => typeof id === 'string' && id !== n.id);
  return [];
}
