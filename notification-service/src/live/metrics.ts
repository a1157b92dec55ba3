import { Counter, Gauge, type Registry } from 'prom-client';

export interface LiveMetrics {
  framesSent: Counter;
  slowConsumerDisconnects: Counter;
  resumeReplayed: Counter;
  heartbeatTerminations: Counter;
  badFrames: Counter;
}

/**
 * The live layer's series, registered once per registry and starting at zero so a dashboard shows
 * "none yet" rather than "no data". The socket gauge is read at scrape time from the hub itself, so
 * it cannot drift from the truth.
 */
export function liveMetrics(registry: Registry, countSockets: () => number): LiveMetrics {
  const counter = (name: string, help: string): Counter =>
    (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, registers: [registry] });

  if (!registry.getSingleMetric('live_sockets')) {
    new Gauge({
      name: 'live_sockets',
      help: 'Open WebSocket sessions on this instance',
      registers: [registry],
      collect() {
        this.set(countSockets());
      },
    });
  }
  return {
    framesSent: counter('live_frames_sent_total', 'Live notification and unread_count frames written to sockets (one per session)'),
    slowConsumerDisconnects: counter('live_slow_consumer_disconnects_total', 'Sockets closed with 1013 because their unsent bytes passed WS_MAX_BUFFERED_BYTES'),
    resumeReplayed: counter('live_resume_replayed_total', 'Notifications sent from the inbox to sockets that resumed'),
    heartbeatTerminations: counter('live_heartbeat_terminations_total', 'Sockets terminated for missing a heartbeat pong'),
    badFrames: counter('live_bad_frames_total', 'Client frames refused as malformed, unknown or invalid'),
  };
}
