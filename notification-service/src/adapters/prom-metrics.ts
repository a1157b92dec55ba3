import { Counter, type Registry } from 'prom-client';
import type { PipelineMetrics } from '../app/deps.js';

/** The pipeline's counters on the service's registry; every series starts at zero. */
export function promPipelineMetrics(registry: Registry): PipelineMetrics {
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  const malformed = counter('notification_events_malformed_total', 'Events that failed validation and were dead-lettered');
  const unknown = counter('notification_events_unknown_total', 'Events of a type this service does not know, acked and ignored');
  const chunks = counter('notification_fanout_chunks_published_total', 'Work messages published to split large follower audiences');
  const created = counter('notifications_created_total', 'Notifications written to inboxes (new items and group successors)');
  return {
    eventMalformed: () => malformed.inc(),
    eventUnknown: () => unknown.inc(),
    chunksPublished: (n) => chunks.inc(n),
    notificationsCreated: (n) => created.inc(n),
  };
}
