import type { DomainEvent } from '@herald/contracts';
import type { NotificationDraft } from '../domain/notification.js';
import type { Audience } from '../domain/plan.js';
import { timed, type AppDeps } from './deps.js';
import { deliverChunk } from './deliver-chunk.js';
import type { WorkChunk } from './work-message.js';

type Followers = Extract<Audience, { kind: 'followers' }>;

// Chunks are published in batches so a 100,000-follower audience never sits in memory at once.
const PUBLISH_BATCH = 20;

/**
 * A followers audience: no larger than one chunk → delivered inline; larger → paged through the
 * follow projection by keyset and published as one work message per chunk, which any instance may
 * take. Resolves only when every chunk is confirmed by the broker, so the event is acked after
 * that; if publishing fails the event is retried and the chunks go out again, which the receipts
 * make harmless.
 */
export async function fanOutToFollowers(
  deps: AppDeps,
  event: DomainEvent,
  target: number,
  audience: Followers,
  draft: NotificationDraft,
  /** Who earlier targets of this handling reached (deliverChunk's `reachedBefore`); the inline delivery adds its own. */
  reached: Set<string> = new Set(),
): Promise<void> {
  const size = deps.chunkSize;
  const excluded = new Set(audience.exclude.map((id) => id.toLowerCase()));
  const keep = (ids: string[]) => ids.filter((id) => !excluded.has(id));

  // One more than a chunk tells "fits inline" from "must be split" without counting the audience.
  const first = await deps.projections.followersPage(audience.ofUserId, null, size + 1);
  if (first.length <= size) {
    if (first.length > 0) await deliverChunk(deps, { eventId: event.id, draft, recipientIds: keep(first), reachedBefore: reached });
    for (const userId of first) reached.add(userId.toLowerCase());
    return;
  }

  const chunks = await timed(deps.metrics, 'split', async () => {
    let batch: WorkChunk[] = [];
    let chunk = 0;
    let page = first.slice(0, size);
    const publish = async () => {
      await deps.work.enqueue(batch);
      deps.metrics.chunksPublished(batch.length);
      batch = [];
    };
    while (page.length > 0) {
      batch.push({ event, target, chunk: chunk++, recipients: keep(page) });
      // The first chunk goes out alone: delivery starts while the rest of the audience is paged.
      if (chunk === 1 || batch.length >= PUBLISH_BATCH) await publish();
      if (page.length < size) break;
      page = await deps.projections.followersPage(audience.ofUserId, page.at(-1)!, size);
    }
    if (batch.length > 0) await publish();
    return chunk;
  });
  deps.logger.info({ eventId: event.id, chunks }, 'fan-out split into work chunks');
}
