import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { ChunkBatcher } from '../../../src/app/chunk-batcher.js';
import { deliverChunks, type ChunkInput, type ChunkResult } from '../../../src/app/deliver-chunk.js';
import { handleEvent } from '../../../src/app/handle-event.js';
import type { NotificationDraft } from '../../../src/domain/notification.js';
import { ana, bo, cy, di, ed, id, messageSent, postLiked } from '../domain/mother.js';
import { memoryWorld, type MemoryWorld } from '../../support/memory-deps.js';

const alert = (n: number): NotificationDraft => ({ type: 'alert', priority: 'normal', title: `Alert ${n}`, body: 'Something happened', data: {} });

/** The memory world with the service's batcher in front of deliverChunks; `sizes` records each batch. */
function batched(opts: Partial<ConstructorParameters<typeof ChunkBatcher>[1]> = {}) {
  const w = memoryWorld();
  const sizes: number[] = [];
  const base = w.deps;
  w.deps.chunks = new ChunkBatcher((inputs) => deliverChunks(base, inputs), { maxRecipients: 1000, maxChunks: 64, maxInFlight: 1, ...opts }, (n) => sizes.push(n));
  return { w, sizes };
}

const seqsOf = (w: MemoryWorld, userId: string) => w.live.notificationsFor(userId).map((n) => n.seq);

describe('ChunkBatcher: chunks that arrive together go through one pass', () => {
  it('ten one-to-one events at once: one batch, one write, every item in its own stream number', async () => {
    const { w, sizes } = batched();
    const senders = Array.from({ length: 10 }, (_, i) => ({ id: id(500 + i), username: `s${i}`, displayName: `S${i}` }));
    await Promise.all(senders.map((sender) => handleEvent(w.deps, messageSent({ sender, recipientId: bo.id, messageId: uuidv7() }))));
    expect(sizes).toEqual([10]);
    expect(w.metrics.stages.write).toHaveLength(1);
    expect(w.inbox.all().filter((n) => n.recipientId === bo.id)).toHaveLength(10);
    expect(seqsOf(w, bo.id).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // One unread_count frame per recipient per pass, with the count after the whole pass.
    expect(w.live.countsFor(bo.id)).toEqual([10]);
  });

  it('likes of one post by three people at once end in one group item, as one after the other would', async () => {
    const { w, sizes } = batched({ maxInFlight: 3 });
    await Promise.all([ana, cy, di].map((liker) => handleEvent(w.deps, postLiked({ liker }))));
    // The three may merge into bo's same open group: never in one batch.
    expect(sizes).toEqual([1, 1, 1]);
    const open = w.inbox.all().filter((n) => n.recipientId === bo.id && n.supersededBy === null);
    expect(open).toHaveLength(1);
    expect(open[0]!.count).toBe(3);
    expect(await w.inbox.unreadCount(bo.id)).toBe(1);
  });

  it('likes of different posts batch together', async () => {
    const { w, sizes } = batched();
    await Promise.all([uuidv7(), uuidv7(), uuidv7()].map((postId) => handleEvent(w.deps, postLiked({ postId }))));
    expect(sizes).toEqual([3]);
    expect(w.inbox.all().filter((n) => n.recipientId === bo.id)).toHaveLength(3);
  });

  it('the same event twice at once: the second waits for the next batch and writes nothing (its receipts are claimed)', async () => {
    const { w, sizes } = batched();
    const event = messageSent();
    await Promise.all([handleEvent(w.deps, event), handleEvent(w.deps, event)]);
    expect(sizes).toEqual([1, 1]);
    expect(w.inbox.all()).toHaveLength(1);
  });

  it('a chunk as large as a batch runs alone, beside the batches', async () => {
    const { w, sizes } = batched({ maxRecipients: 3 });
    const results = await Promise.all([
      w.deps.chunks!.deliver({ eventId: uuidv7(), draft: alert(1), recipientIds: [bo.id, cy.id, di.id] }),
      w.deps.chunks!.deliver({ eventId: uuidv7(), draft: alert(2), recipientIds: [bo.id, cy.id] }),
      w.deps.chunks!.deliver({ eventId: uuidv7(), draft: alert(3), recipientIds: [ed.id] }),
    ]);
    expect(results.map((r) => r.created.length)).toEqual([3, 2, 1]);
    // The large one went straight to deliverChunks; the two small ones did not fit together (2 + 1 ≤ 3 do).
    expect(sizes).toEqual([2]);
  });
});

describe('ChunkBatcher: limits and failures (a recording pass)', () => {
  const input = (n: number, recipients = 1): ChunkInput => ({ eventId: uuidv7(), draft: alert(n), recipientIds: Array.from({ length: recipients }, (_, i) => id(900 + i)) });
  const ok = (inputs: readonly ChunkInput[]): ChunkResult[] => inputs.map(() => ({ created: [], online: new Set() }));

  it('no more chunks per batch, recipients per batch or batches at once than allowed; order kept', async () => {
    const batches: string[][] = [];
    let running = 0;
    let most = 0;
    const batcher = new ChunkBatcher(async (inputs) => {
      running++;
      most = Math.max(most, running);
      batches.push(inputs.map((i) => i.draft.title));
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return ok(inputs);
    }, { maxRecipients: 5, maxChunks: 2, maxInFlight: 2 });
    await Promise.all([input(1), input(2), input(3, 4), input(4), input(5)].map((i) => batcher.deliver(i)));
    expect(most).toBeLessThanOrEqual(2);
    expect(batches.flat()).toHaveLength(5);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(2);
    expect(batches).toContainEqual(['Alert 1', 'Alert 2']);
    // 4 recipients + 1 fit in 5; the next batch takes alert 3 with alert 4 and leaves 5.
    expect(batches).toContainEqual(['Alert 3', 'Alert 4']);
    expect(batcher.waiting).toBe(0);
  });

  it('a failing batch runs each chunk again alone: only the bad chunk fails', async () => {
    const calls: number[] = [];
    const batcher = new ChunkBatcher(async (inputs) => {
      calls.push(inputs.length);
      if (inputs.some((i) => i.draft.title === 'Alert 2')) throw new Error('poison');
      return ok(inputs);
    }, { maxRecipients: 100, maxChunks: 10, maxInFlight: 1 });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batcher.deliver(input(n))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual([3, 1, 1, 1]);
  });
});
