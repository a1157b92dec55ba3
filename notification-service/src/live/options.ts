import { env } from '@herald/platform';

/**
 * Every limit of the live layer, with the environment variable that sets it in config.ts. The
 * defaults keep one idle socket small and one misbehaving client from costing more than a bounded
 * amount of memory.
 */
export interface LiveOptions {
  /** WS_MAX_FRAME_BYTES: a client frame larger than this closes the socket with 1009. */
  maxFrameBytes: number;
  /** WS_MAX_BUFFERED_BYTES: a socket whose unsent bytes pass this is closed with 1013 (slow reader). */
  maxBufferedBytes: number;
  /** WS_HEARTBEAT_MS: server pings this often and terminates sockets that missed the previous pong. */
  heartbeatMs: number;
  /** WS_MAX_SESSIONS_PER_USER: upgrades beyond this many sockets of one user on this instance get 429. */
  maxSessionsPerUser: number;
  /** PRESENCE_REFRESH_MS: how often this instance re-registers its users (the entries' expiry is the presence adapter's). */
  presenceRefreshMs: number;
  /** WS_RESUME_PAGE_SIZE: notifications fetched per inbox query while resuming. */
  resumePageSize: number;
  /** WS_MAX_RESUME_BUFFER: live frames held back while a resume runs; past it the socket is closed with 4001 (resume again). */
  maxResumeBufferFrames: number;
  /** WS_DEDUP_WINDOW_MS: how long after opening or resuming a socket remembers the ids it was sent, so a frame still in flight is not sent twice. */
  dedupWindowMs: number;
  /** WS_MAX_BAD_FRAMES: malformed or unknown client frames tolerated (each answered with an error frame) before closing with 1008. */
  maxBadFrames: number;
  /** Ids accepted in one `read` frame (200 uuids fit well inside the default frame limit). */
  maxReadIds: number;
  /** WS_CLOSE_GRACE_MS: on shutdown, how long clients get to acknowledge the close before they are dropped. */
  closeGraceMs: number;
  /** WS_RESYNC_CONCURRENCY: sockets caught up from the inbox at once after a Redis outage (the rest hold their frames and wait). */
  resyncConcurrency: number;
  /** WS_FRAME_BUDGET: inbound work a socket may spend in a burst (frame-budget.ts: ping 1, resume 10, a 200-id read 11). */
  frameBudget: number;
  /** WS_FRAME_BUDGET_REFILL: inbound work units a socket earns back per second; overdrawing closes it with 1008. */
  frameBudgetRefill: number;
}

export const DEFAULT_LIVE_OPTIONS: Readonly<LiveOptions> = Object.freeze({
  maxFrameBytes: 16 * 1024,
  maxBufferedBytes: 1024 * 1024,
  heartbeatMs: 30_000,
  maxSessionsPerUser: 20,
  presenceRefreshMs: 10_000,
  resumePageSize: 100,
  maxResumeBufferFrames: 1_000,
  dedupWindowMs: 30_000,
  maxBadFrames: 10,
  maxReadIds: 200,
  closeGraceMs: 2_000,
  resyncConcurrency: 8,
  frameBudget: 60,
  frameBudgetRefill: 5,
});

export function resolveLiveOptions(overrides: Partial<LiveOptions> = {}): LiveOptions {
  const options = { ...DEFAULT_LIVE_OPTIONS, ...overrides };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`live option ${name} must be a positive integer, got ${value}`);
  }
  return options;
}

/** Presence entries live this long unless refreshed; three refresh periods by default. */
export const DEFAULT_PRESENCE_TTL_MS = 30_000;

/**
 * The readers for config.ts (`loadConfig({ ...liveEnvSpec, ... })`), so each variable is reported
 * by name when it is bad. PRESENCE_TTL_MS goes to the presence adapter, the rest to createLiveHub.
 */
export const liveEnvSpec = {
  wsMaxFrameBytes: env.int('WS_MAX_FRAME_BYTES', DEFAULT_LIVE_OPTIONS.maxFrameBytes, 256, 16 * 1024 * 1024),
  wsMaxBufferedBytes: env.int('WS_MAX_BUFFERED_BYTES', DEFAULT_LIVE_OPTIONS.maxBufferedBytes, 16 * 1024, 256 * 1024 * 1024),
  wsHeartbeatMs: env.int('WS_HEARTBEAT_MS', DEFAULT_LIVE_OPTIONS.heartbeatMs, 1_000, 600_000),
  wsMaxSessionsPerUser: env.int('WS_MAX_SESSIONS_PER_USER', DEFAULT_LIVE_OPTIONS.maxSessionsPerUser, 1, 10_000),
  wsResumePageSize: env.int('WS_RESUME_PAGE_SIZE', DEFAULT_LIVE_OPTIONS.resumePageSize, 1, 1_000),
  wsMaxResumeBuffer: env.int('WS_MAX_RESUME_BUFFER', DEFAULT_LIVE_OPTIONS.maxResumeBufferFrames, 1, 100_000),
  wsDedupWindowMs: env.int('WS_DEDUP_WINDOW_MS', DEFAULT_LIVE_OPTIONS.dedupWindowMs, 1, 600_000),
  wsCloseGraceMs: env.int('WS_CLOSE_GRACE_MS', DEFAULT_LIVE_OPTIONS.closeGraceMs, 1, 60_000),
  wsResyncConcurrency: env.int('WS_RESYNC_CONCURRENCY', DEFAULT_LIVE_OPTIONS.resyncConcurrency, 1, 1_000),
  wsFrameBudget: env.int('WS_FRAME_BUDGET', DEFAULT_LIVE_OPTIONS.frameBudget, 10, 1_000_000),
  wsFrameBudgetRefill: env.int('WS_FRAME_BUDGET_REFILL', DEFAULT_LIVE_OPTIONS.frameBudgetRefill, 1, 1_000_000),
  presenceRefreshMs: env.int('PRESENCE_REFRESH_MS', DEFAULT_LIVE_OPTIONS.presenceRefreshMs, 100, 600_000),
  presenceTtlMs: env.int('PRESENCE_TTL_MS', DEFAULT_PRESENCE_TTL_MS, 300, 3_600_000),
};

type LiveConfig = { [K in keyof typeof liveEnvSpec]: number };

/** Turns loaded config into hub options; an expiry that a refresh cannot beat is refused. */
export function liveOptionsFromConfig(config: LiveConfig): LiveOptions {
  if (config.presenceTtlMs <= config.presenceRefreshMs) {
    throw new RangeError(`PRESENCE_TTL_MS (${config.presenceTtlMs}) must be greater than PRESENCE_REFRESH_MS (${config.presenceRefreshMs})`);
  }
  return resolveLiveOptions({
    maxFrameBytes: config.wsMaxFrameBytes,
    maxBufferedBytes: config.wsMaxBufferedBytes,
    heartbeatMs: config.wsHeartbeatMs,
    maxSessionsPerUser: config.wsMaxSessionsPerUser,
    resumePageSize: config.wsResumePageSize,
    maxResumeBufferFrames: config.wsMaxResumeBuffer,
    dedupWindowMs: config.wsDedupWindowMs,
    closeGraceMs: config.wsCloseGraceMs,
    resyncConcurrency: config.wsResyncConcurrency,
    frameBudget: config.wsFrameBudget,
    frameBudgetRefill: config.wsFrameBudgetRefill,
    presenceRefreshMs: config.presenceRefreshMs,
  });
}
