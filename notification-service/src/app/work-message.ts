import { parseEvent, type DomainEvent } from '@herald/contracts';
import { toUuid } from '@herald/platform/uuid';

/**
 * One chunk of a large followers audience, published on the internal work exchange so that every
 * instance shares the fan-out. It carries the event itself rather than a rendered draft: the worker
 * validates it with the same contract as the events queue and plans it again (pure and cheap), so a
 * chunk can never say something the event did not.
 */
export interface WorkChunk {
  event: DomainEvent;
  /** Index of the followers target in planEvent(event).targets. */
  target: number;
  /** 0-based position of this chunk in the audience; part of the message id. */
  chunk: number;
  recipients: string[];
}

export interface WorkQueue {
  /** Resolves once the broker confirmed every chunk. */
  enqueue(chunks: readonly WorkChunk[]): Promise<void>;
}

export class InvalidWorkChunkError extends Error {
  override name = 'InvalidWorkChunkError';
}

// A chunk is CHUNK_SIZE recipients; this bound only stops a forged message from costing a fortune.
const MAX_RECIPIENTS = 100_000;

export const workMessageId = (chunk: Pick<WorkChunk, 'event' | 'target' | 'chunk'>) => `${chunk.event.id}.${chunk.target}.${chunk.chunk}`;

export function parseWorkChunk(body: unknown): WorkChunk {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidWorkChunkError('a work chunk is a JSON object');
  const { event, target, chunk, recipients } = body as Record<string, unknown>;
  if (!Number.isSafeInteger(target) || (target as number) < 0) throw new InvalidWorkChunkError('target must be a non-negative integer');
  if (!Number.isSafeInteger(chunk) || (chunk as number) < 0) throw new InvalidWorkChunkError('chunk must be a non-negative integer');
  if (!Array.isArray(recipients) || recipients.length > MAX_RECIPIENTS || !recipients.every((r) => toUuid(r) !== undefined)) {
    throw new InvalidWorkChunkError('recipients must be an array of uuids');
  }
  let parsed: DomainEvent;
  try {
    parsed = parseEvent(event);
  } catch (err) {
    throw new InvalidWorkChunkError(`event: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { event: parsed, target: target as number, chunk: chunk as number, recipients: recipients as string[] };
}
