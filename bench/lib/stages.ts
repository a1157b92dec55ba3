import { histogramDelta, histogramMaxBound, scrape, type Samples } from './metrics.js';

export const STAGES = ['event_lag', 'chunk_lag', 'split', 'decide', 'presence', 'write', 'push', 'settle'] as const;
export type Stage = (typeof STAGES)[number];
const METRIC = 'notification_pipeline_stage_seconds';

export interface StageTiming {
  count: number;
  /** Summed over every observation (chunks run concurrently, so this is busy time, not wall time). */
  sumMs: number;
  meanMs: number;
  /** Upper bound of the bucket holding the slowest observation. */
  maxLeMs: number | undefined;
}

/** What notification-service's stage histogram gained between two scrapes, per stage. */
export function stageDelta(before: Samples, after: Samples): Record<Stage, StageTiming> {
  const out = {} as Record<Stage, StageTiming>;
  for (const stage of STAGES) {
    const labels = { stage };
    const { count, sum } = histogramDelta(before, after, METRIC, labels);
    const le = histogramMaxBound(before, after, METRIC, labels);
    out[stage] = { count, sumMs: sum * 1000, meanMs: count ? (sum * 1000) / count : Number.NaN, maxLeMs: le === undefined ? undefined : le * 1000 };
  }
  return out;
}

export { scrape };
