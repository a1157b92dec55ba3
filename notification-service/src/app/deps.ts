import type { Logger } from '@herald/platform';
import type { Clock, InboxStore, LiveDelivery, PreferenceStore, ProjectionStore, UserErasure } from '../domain/ports.js';
import type { ChunkInput, ChunkResult } from './chunk-types.js';
import type { InAppText } from './in-app-text.js';
import type { WorkQueue } from './work-message.js';

/** Counters of the event pipeline (prom-client in src/adapters/prom-metrics.ts; plain counts in tests). */
export interface PipelineMetrics {
  eventMalformed(): void;
  eventUnknown(): void;
  chunksPublished(count: number): void;
  notificationsCreated(count: number): void;
  /** Seconds one stage took (a histogram): what bounds a fan-out, read from /metrics (bench/fanout.ts). */
  stage(stage: PipelineStage, seconds: number): void;
}

/**
 * event_lag / chunk_lag: the event's occurredAt to its (or its chunk's) handler starting; split: paging
 * the audience into work messages; decide, presence (who is online, read
 * before the write), write (the chunk's transaction), push (live frames), settle (clearing the timers of
 * people who came online between the presence read and the push).
 */
export type PipelineStage = 'event_lag' | 'chunk_lag' | 'split' | 'decide' | 'presence' | 'write' | 'push' | 'settle';

export async function timed<T>(metrics: PipelineMetrics, stage: PipelineStage, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    metrics.stage(stage, (performance.now() - started) / 1000);
  }
}

/** Seconds since an event happened (never negative: clocks of two hosts may disagree a little). */
export const secondsSince = (occurredAt: string): number => Math.max(0, (Date.now() - Date.parse(occurredAt)) / 1000);

/** Everything the use cases need, built once by service.ts (or by a test from memory fakes). */
export interface AppDeps {
  inbox: InboxStore;
  preferences: PreferenceStore;
  projections: ProjectionStore;
  /** user.deleted: erases what is held about the person. */
  erasure: UserErasure;
  live: LiveDelivery;
  work: WorkQueue;
  metrics: PipelineMetrics;
  clock: Clock;
  /** A UUIDv7 for an instant: ids sort by creation time (resume is "every id after X"). */
  newId(at: Date): string;
  logger: Logger;
  /** Followers per work message; an audience no larger than this is delivered inline. */
  chunkSize: number;
  /** How long an unread group keeps absorbing likes/follows (GROUP_WINDOW_MS). */
  groupWindowMs: number;
  /** An item still unread this long after creation goes out of band, if the person was away (FALLBACK_DELAY_MS). */
  fallbackDelayMs: number;
  /** A critical item still unread this long after creation goes out of band even if they were online (ESCALATE_AFTER_MS). */
  escalateAfterMs: number;
  /** Chunks that arrive together go through one pass (app/chunk-batcher.ts); without it, each alone. */
  chunks?: { deliver(input: ChunkInput): Promise<ChunkResult> };
  /** In-app words in each recipient's language (the in_app templates); without it, the drafts' English stays. */
  inApp?: InAppText;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
