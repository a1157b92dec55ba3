import type { Logger } from '@herald/platform';
import type { Clock, InboxStore, LiveDelivery, PreferenceStore, ProjectionStore } from '../domain/ports.js';
import type { WorkQueue } from './work-message.js';

/** Counters of the event pipeline (prom-client in src/adapters/prom-metrics.ts; plain counts in tests). */
export interface PipelineMetrics {
  eventMalformed(): void;
  eventUnknown(): void;
  chunksPublished(count: number): void;
  notificationsCreated(count: number): void;
}

/** Everything the use cases need, built once by service.ts (or by a test from memory fakes). */
export interface AppDeps {
  inbox: InboxStore;
  preferences: PreferenceStore;
  projections: ProjectionStore;
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
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
