import type { AddressedFrame } from '../domain/ports.js';
import type { FramesHandler, LiveTransport } from '../live/transport.js';

/**
 * Live frames between hubs of one process (the embedded mode, and tests with several hubs). Like
 * Redis pub/sub it is fire-and-forget, delivers asynchronously and in publish order, and hands the
 * receiver its own copy of the frames, as if they had crossed the wire.
 */
export class MemoryLiveTransport implements LiveTransport {
  private readonly handlers = new Map<string, Set<FramesHandler>>();

  async publish(instanceId: string, frames: readonly AddressedFrame[]): Promise<void> {
    const handlers = this.handlers.get(instanceId);
    if (!handlers || frames.length === 0) return;
    const message = JSON.stringify(frames);
    for (const handler of handlers) setImmediate(() => handler(JSON.parse(message) as AddressedFrame[]));
  }

  async subscribe(instanceId: string, onFrames: FramesHandler): Promise<() => Promise<void>> {
    let handlers = this.handlers.get(instanceId);
    if (!handlers) this.handlers.set(instanceId, (handlers = new Set()));
    handlers.add(onFrames);
    return async () => {
      handlers.delete(onFrames);
      if (handlers.size === 0 && this.handlers.get(instanceId) === handlers) this.handlers.delete(instanceId);
    };
  }
}
