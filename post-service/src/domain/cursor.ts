/**
 * Opaque paging cursors. Clients get base64url text they must hand back unchanged; inside is the
 * uuidv7 id of the last item served, and ids sort by creation time, so paging is a keyset
 * comparison (`id < cursor` newest first, `id > cursor` oldest first) that stays stable while new
 * rows arrive. The version prefix lets the format change without breaking cursors in flight.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PREFIX = 'v1:';

export function encodeCursor(id: string): string {
  return Buffer.from(PREFIX + id, 'utf8').toString('base64url');
}

/** The id inside a cursor, or undefined when the cursor was not made by encodeCursor. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith(PREFIX)) return undefined;
  const id = decoded.slice(PREFIX.length);
  return UUID.test(id) ? id : undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Builds a page from up to limit+1 rows: the extra row only proves that another page exists. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
