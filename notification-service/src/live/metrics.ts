import { Counter, Gauge, type Registry } from 'prom-client';

/** Redis operations of the live layer whose failure can lose frames. */
export const REDIS_OPS = ['publish', 'presence', 'subscriber', 'probe'] as const;
export type RedisOp = (typeof REDIS_OPS)[number];

/** Why this instance caught its sockets up from the inbox. */
export const RESYNC_REASONS = ['subscriber_reconnect', 'redis_recovered', 'requested', 'presence_lost', 'missed_push'] as const;
export type ResyncReason = (typeof RESYNC_REASONS)[number];

/** Why a socket was closed with 4401. */
export const TOKEN_CLOSE_REASONS = ['expired', 'revoked'] as const;

export interface LiveMetrics {
  framesSent: Counter;
  slowConsumerDisconnects: Counter;
  resumeReplayed: Counter;
  heartbeatTerminations: Counter;
  badFrames: Counter;
  redisFailures: Counter<'op'>;
  resyncs: Counter<'reason'>;
  resyncRequestsSent: Counter;
  resyncCloses: Counter;
  tokenCloses: Counter<'reason'>;
  budgetCloses: Counter;
}

/**
 * The live layer's series, registered once per registry and starting at zero (every label value
 * too) so a dashboard shows "none yet" rather than "no data". The socket gauge is read at scrape
 * time from the hub itself, so it cannot drift from the truth.
 */
export function liveMetrics(registry: Registry, countSockets: () => number): LiveMetrics {
  const counter = (name: string, help: string): Counter =>
    (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, registers: [registry] });
  function labelled<L extends string>(name: string, help: string, label: L, values: readonly string[]): Counter<L> {
    const existing = registry.getSingleMetric(name) as Counter<L> | undefined;
    if (existing) return existing;
    const created = new Counter<L>({ name, help, labelNames: [label], registers: [registry] });
    for (const value of values) created.inc({ [label]: value } as Partial<Record<L, string>>, 0);
    return created;
  }

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
    resumeReplayed: counter('live_resume_replayed_total', 'Notifications sent from the inbox to sockets that resumed or were caught up'),
    heartbeatTerminations: counter('live_heartbeat_terminations_total', 'Sockets terminated for missing a heartbeat pong'),
    badFrames: counter('live_bad_frames_total', 'Client frames refused as malformed, unknown or invalid'),
    redisFailures: labelled('live_redis_failures_total', 'Redis operations of the live layer that failed (frames may have been lost)', 'op', REDIS_OPS),
    resyncs: labelled('live_resyncs_total', 'Times this instance caught its sockets (or some users\' sockets) up from the inbox', 'reason', RESYNC_REASONS),
    resyncRequestsSent: counter('live_resync_requests_sent_total', 'Resync requests this instance got through to other instances (or to all)'),
    resyncCloses: counter('live_resync_closes_total', 'Sockets closed with 4001 because a server catch-up could not read the inbox'),
    budgetCloses: counter('live_frame_budget_closes_total', 'Sockets closed with 1008 for sending more inbound work than WS_FRAME_BUDGET allows'),
    tokenCloses: labelled('live_token_closes_total', 'Sockets closed with 4401: their access token expired or their session ended', 'reason', TOKEN_CLOSE_REASONS),
  };
}
