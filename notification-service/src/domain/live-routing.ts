import type { AddressedFrame } from './ports.js';

/**
 * Frames go only to the instances holding the recipients' sockets, batched per instance, so a chunk
 * of 1,000 recipients costs one message per instance involved rather than one per user. Users with
 * no live instance get nothing here: their inbox (and the fallback workers) has them covered.
 * Each instance receives its frames in the order given.
 */
export function routeFrames(
  frames: readonly AddressedFrame[],
  instancesByUser: ReadonlyMap<string, readonly string[]>,
): Map<string, AddressedFrame[]> {
  const byInstance = new Map<string, AddressedFrame[]>();
  for (const frame of frames) {
    for (const instanceId of new Set(instancesByUser.get(frame.userId) ?? [])) {
      let batch = byInstance.get(instanceId);
      if (!batch) byInstance.set(instanceId, (batch = []));
      batch.push(frame);
    }
  }
  return byInstance;
}
