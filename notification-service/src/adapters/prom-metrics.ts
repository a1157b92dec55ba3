import { Counter, Histogram, type Registry } from 'prom-client';
import type { PipelineMetrics } from '../app/deps.js';

/** The pipeline's counters on the service's registry; every series starts at zero. */
export function promPipelineMetrics(registry: Registry): PipelineMetrics {
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  const malformed = counter('notification_events_malformed_total', 'Events that failed validation and were dead-lettered');
  const unknown = counter('notification_events_unknown_total', 'Events of a type this service does not know, acked and ignored');
  const chunks = counter('notification_fanout_chunks_published_total', 'Work messages published to split large follower audiences');
  const created = counter('notifications_created_total', 'Notifications written to inboxes (new items and group successors)');
  const stages = new Histogram({
    name: 'notification_pipeline_stage_seconds',
    help: 'Time per pipeline stage: event/chunk lag behind occurredAt, split, and per chunk decide, write, push, settle',
    labelNames: ['stage'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  for (const stage of ['event_lag', 'chunk_lag', 'split', 'decide', 'presence', 'write', 'push', 'settle']) stages.zero({ stage });
  return {
    eventMalformed: () => malformed.inc(),
    eventUnknown: () => unknown.inc(),
    chunksPublished: (n) => chunks.inc(n),
    notificationsCreated: (n) => created.inc(n),
    stage: (stage, seconds) => stages.observe({ stage }, seconds),
  };
}

/** Chunks per pass of the pipeline (app/chunk-batcher.ts): how much batching the load allows. */
export function promBatchSizes(registry: Registry): (chunks: number) => void {
  const sizes = new Histogram({
    name: 'notification_chunk_batch_size',
    help: 'Chunks (events, or parts of a large audience) written in one transaction by the chunk batcher',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  return (chunks) => sizes.observe(chunks);
}
