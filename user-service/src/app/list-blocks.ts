import { PAGE, cursorPosition, encodeCursor } from '../domain/cursor.js';
import type { BlockEntry } from '../domain/ports.js';
import type { UseCaseDeps } from './deps.js';

export interface BlockPage {
  items: BlockEntry[];
  nextCursor: string | null;
}

/** One page of the people `blockerId` blocks, newest block first. */
export async function listBlocks(deps: Pick<UseCaseDeps, 'blocks'>, blockerId: string, input: { cursor?: string; limit?: number }): Promise<BlockPage> {
  const beforeId = input.cursor === undefined ? undefined : cursorPosition(input.cursor);
  const limit = Math.min(Math.max(input.limit ?? PAGE.defaultLimit, 1), PAGE.maxLimit);
  // One extra row tells whether another page exists without a count query.
  const rows = await deps.blocks.page(blockerId, { beforeId, limit: limit + 1 });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
