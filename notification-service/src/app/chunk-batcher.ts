import type { ChunkInput, ChunkResult } from './chunk-types.js';

export interface ChunkBatcherOptions {
  /** Recipients per batch; a chunk this large or larger runs alone, beside the batches. */
  maxRecipients: number;
  /** Chunks per batch. */
  maxChunks: number;
  /** Batches running at once; while all are busy, new chunks wait and the next batch grows. */
  maxInFlight: number;
}

export const DEFAULT_BATCHING: ChunkBatcherOptions = { maxRecipients: 1000, maxChunks: 64, maxInFlight: 3 };

interface Waiting {
  input: ChunkInput;
  keys: string[];
  resolve(result: ChunkResult): void;
  reject(err: unknown): void;
}

/**
 * Puts chunks that arrive together through one pass of the pipeline (deliverChunks: one decide,
 * one presence lookup, one transaction, one push), so a hundred one-to-one events cost a few
 * statements instead of a few hundred. Natural batching: a chunk goes at the next turn of the event
 * loop when a batch slot is free, so at low load nothing waits; under load the chunks that arrive
 * while every slot is busy form the next batch. Each caller's promise settles when its chunk is
 * committed and pushed, so the message is acked after the commit, as before.
 *
 * Two chunks of one event, or two that may merge into the same open group (same recipient and
 * group key), never share a batch: the later waits for the next one. When a batch fails, each of
 * its chunks runs again alone, so one bad chunk fails only its own message.
 */
export class ChunkBatcher {
  private pending: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (inputs: readonly ChunkInput[]) => Promise<ChunkResult[]>,
    private readonly opts: ChunkBatcherOptions = DEFAULT_BATCHING,
    private readonly onBatch: (chunks: number) => void = () => {},
  ) {}

  deliver(input: ChunkInput): Promise<ChunkResult> {
    if (input.recipientIds.length >= this.opts.maxRecipients) return this.alone(input);
    return new Promise<ChunkResult>((resolve, reject) => {
      this.pending.push({ input, keys: conflictKeys(input), resolve, reject });
      this.schedule();
    });
  }

  /** Chunks waiting for a batch slot. */
  get waiting(): number {
    return this.pending.length;
  }

  private alone(input: ChunkInput): Promise<ChunkResult> {
    return this.run([input]).then(([result]) => result!);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.opts.maxInFlight && this.pending.length > 0) {
        const batch = this.take();
        this.inFlight++;
        void this.execute(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  /** The oldest waiting chunks that fit together; the others keep their place for the next batch. */
  private take(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const taken = new Set<string>();
    let recipients = 0;
    for (const w of this.pending) {
      const fits = batch.length < this.opts.maxChunks && (batch.length === 0 || recipients + w.input.recipientIds.length <= this.opts.maxRecipients) && !w.keys.some((k) => taken.has(k));
      if (!fits) {
        rest.push(w);
        continue;
      }
      batch.push(w);
      recipients += w.input.recipientIds.length;
      for (const k of w.keys) taken.add(k);
    }
    this.pending = rest;
    return batch;
  }

  private async execute(batch: Waiting[]): Promise<void> {
    this.onBatch(batch.length);
    try {
      const results = await this.run(batch.map((w) => w.input));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // One failing chunk must not fail the others: each runs again alone. Nothing of the batch
      // committed, or, if it failed after its commit, the receipts make the second run a no-op
      // that catches the recipients' sockets up.
      await Promise.all(batch.map((w) => this.alone(w.input).then(w.resolve, w.reject)));
    }
  }
}

/** What two chunks of one batch must not share: the event (its receipts), and open groups. */
function conflictKeys(input: ChunkInput): string[] {
  const keys = [`event ${input.eventId.toLowerCase()}`];
  const groupKey = input.draft.groupKey;
  if (groupKey) for (const r of input.recipientIds) keys.push(`group ${r.toLowerCase()} ${groupKey}`);
  return keys;
}
