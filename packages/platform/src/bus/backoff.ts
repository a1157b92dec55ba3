/**
 * Exponential backoff with "equal jitter": half fixed, half random, so a fleet of services that lost
 * the broker together does not reconnect in lockstep.
 */
export function backoffDelay(baseMs: number, failures: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
