import { latency, type Latency } from './stats.js';
import type { ClientWorker } from './clients.js';

export interface BurstResult {
  expected: number;
  received: number;
  /** From the trigger's 201 to each frame's arrival, per client (ms). */
  latency: Latency;
  /** From the 201 until the last of the expected frames arrived (ms); NaN if some never came. */
  allMs: number;
  /** expected / allMs, per second. */
  rate: number;
}

/**
 * One timed burst, the same way for Herald and the baselines: the clients record every notification
 * frame from before the trigger, `trigger` answers with the time its 201 arrived and the object id
 * the frames carry, and each frame about that object is timed from that 201.
 */
export async function timedBurst(
  worker: ClientWorker,
  expected: number,
  trigger: () => Promise<{ t0: number; objectIds: string[] }>,
  timeoutMs = 60_000,
): Promise<BurstResult & { t0: number; objectIds: string[] }> {
  await worker.call({ cmd: 'record' });
  const { t0, objectIds } = await trigger();
  const { ids, times } = await worker.call<{ ids: string[]; times: number[] }>({ cmd: 'drain', expect: expected, timeoutMs });
  const wanted = new Set(objectIds);
  const delays: number[] = [];
  ids.forEach((id, i) => {
    if (wanted.has(id)) delays.push(times[i]! - t0);
  });
  const lat = latency(delays);
  const allMs = delays.length >= expected ? lat.max : Number.NaN;
  return { t0, objectIds, expected, received: delays.length, latency: lat, allMs, rate: (expected / allMs) * 1000 };
}
