/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every bench process (orchestrator, client
 * worker, baseline servers) stamps times this way, so times taken in different processes on the same
 * machine compare directly.
 */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(probe: () => Promise<T> | T, what: string, timeoutMs: number, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(intervalMs);
  }
}
