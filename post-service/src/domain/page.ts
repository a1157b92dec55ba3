import { encodeCursor } from '@herald/platform/cursor';

/**
 * A page of a keyset listing. Ids are uuidv7 and sort by creation time, so paging is a keyset
 * comparison (`id < cursor` newest first, `id > cursor` oldest first) that stays stable while new
 * rows arrive; the cursor is Herald's one codec (@herald/platform/cursor) around the last id served.
 */
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
