export interface WaitOptions {
  /** Named in the error when time runs out. */
  what?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * The one poll-until of Herald's tests: calls `probe` until it returns something truthy and returns
 * that; a throw counts as "not yet" and its message is part of the timeout error. `what` (or
 * `options.what`) names the condition; the default wait is 15 s, polled every 25 ms.
 *
 *   await waitFor(() => rows.length === 3, 'three rows');
 *   const frame = await waitFor(() => client.frames.find(isHello), { what: 'hello', timeoutMs: 5_000 });
 */
export async function waitFor<T>(probe: () => T | Promise<T>, whatOrOptions: string | WaitOptions = {}, timeoutMs?: number): Promise<NonNullable<T>> {
  const options: WaitOptions = typeof whatOrOptions === 'string' ? { what: whatOrOptions, timeoutMs } : whatOrOptions;
  const { what = 'condition', timeoutMs: limit = 15_000, intervalMs = 25 } = options;
  const deadline = Date.now() + limit;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : lastError !== undefined ? `: ${String(lastError)}` : '';
      throw new Error(`timed out after ${limit} ms waiting for ${what}${reason}`, lastError instanceof Error ? { cause: lastError } : undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
