import type { Clock, ContentStore } from '../domain/ports.js';

/** What every use case gets from the composition root (src/service.ts) or from a test. */
export interface AppDeps {
  store: ContentStore;
  clock: Clock;
  /** A uuidv7 for a row created at `at`, so ids sort by creation time. */
  newId(at: Date): string;
  /** Called after a transaction that wrote outbox rows has committed (wakes the relay). */
  afterCommit(): void;
}

export const PRODUCER = 'post-service';
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
