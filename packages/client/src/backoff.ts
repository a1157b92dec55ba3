export interface BackoffOptions {
  /** The first retry's ceiling (ms). */
  baseMs: number;
  /** The ceiling never grows past this (ms). */
  maxMs: number;
  /**
   * `full` (the default): anywhere between 0 and the ceiling, which spreads a crowd of clients that
   * lost the same server the most. `equal`: between half the ceiling and the ceiling (the web demo's).
   */
  jitter?: 'full' | 'equal';
}

export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = { baseMs: 500, maxMs: 30_000, jitter: 'full' };

/** Delay before reconnect attempt `attempt` (1-based): exponential, capped, jittered. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  if (options.jitter === 'equal') return Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.round(random() * ceiling);
}
