import { describe, expect, it } from 'vitest';
import { PermanentError, uuidv7 } from '@herald/platform';
import { handleEvent, handleWorkChunk } from '../../../src/app/handle-event.js';
import { ana, bo, postCreated } from '../domain/mother.js';
import { memoryWorld, type MemoryWorld } from '../../support/memory-deps.js';

async function followers(w: MemoryWorld, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => uuidv7());
  await w.projections.applyChanges(ids.map((followerId) => ({ kind: 'follow.added' as const, followerId, followeeId: ana.id, asOf: '2024-01-01T00:00:00Z' })));
  return ids;
}

describe('fan-out to followers', () => {
  it('an audience of exactly one chunk is delivered inline, nothing published', async () => {
    const w = memoryWorld({ chunkSize: 10 });
    await followers(w, 10);
    await handleEvent(w.deps, postCreated());
    expect(w.work.chunks).toEqual([]);
    expect(w.inbox.all()).toHaveLength(10);
  });

  it('a larger audience is split into chunks by keyset; each chunk delivered once reaches every follower once', async () => {
    const w = memoryWorld({ chunkSize: 10 });
    const all = await followers(w, 25);
    const mentioned = all[3]!;
    const event = postCreated({ mentionedUserIds: [mentioned] });
    await handleEvent(w.deps, event);
    expect(w.inbox.all().map((n) => n.type)).toEqual(['mention']); // only the inline mention so far
    expect(w.work.chunks.map((c) => [c.chunk, c.recipients.length])).toEqual([[0, 9], [1, 10], [2, 5]]); // the mentioned one is left out of chunk 0
    expect(w.metrics.chunks).toBe(3);
    for (const chunk of w.work.chunks) await handleWorkChunk(w.deps, chunk);
    for (const chunk of w.work.chunks) await handleWorkChunk(w.deps, structuredClone(chunk)); // redelivered
    const posts = w.inbox.all().filter((n) => n.type === 'post');
    expect(posts.map((n) => n.recipientId).sort()).toEqual(all.filter((id) => id !== mentioned).sort());
  });

  it('refuses a malformed chunk or one naming a target that is not a followers audience', async () => {
    const w = memoryWorld({ chunkSize: 2 });
    await followers(w, 3);
    await handleEvent(w.deps, postCreated({ mentionedUserIds: [bo.id] }));
    const chunk = w.work.chunks[0]!;
    await expect(handleWorkChunk(w.deps, { ...chunk, recipients: ['nope'] })).rejects.toBeInstanceOf(PermanentError);
    await expect(handleWorkChunk(w.deps, { ...chunk, event: { ...chunk.event, data: {} } })).rejects.toBeInstanceOf(PermanentError);
    await expect(handleWorkChunk(w.deps, { ...chunk, target: 0 })).rejects.toBeInstanceOf(PermanentError); // the mention target
    await expect(handleWorkChunk(w.deps, null)).rejects.toBeInstanceOf(PermanentError);
  });

  it('a forged chunk cannot reach the author or the mentioned (exclusions are applied again)', async () => {
    const w = memoryWorld({ chunkSize: 2 });
    await followers(w, 3);
    await handleEvent(w.deps, postCreated({ mentionedUserIds: [bo.id] }));
    const chunk = w.work.chunks[0]!;
    await handleWorkChunk(w.deps, { ...chunk, recipients: [ana.id, bo.id] });
    expect(w.inbox.all().filter((n) => n.type === 'post')).toEqual([]);
  });
});
