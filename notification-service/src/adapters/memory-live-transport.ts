import type { AddressedFrame } from '../domain/ports.js';
import type { SessionRevocation } from '../domain/plan.js';
import { BROADCAST, type FramesHandler, type LiveTransport, type ResyncRequest, type TransportListener } from '../live/transport.js';

/**
 * Live frames between hubs of one process (the embedded mode, and tests with several hubs). Like
 * Redis pub/sub it is fire-and-forget, delivers asynchronously and in publish order, reports whether
 * anyone was listening, and hands the receiver its own copy, as if it had crossed the wire. It never
 * goes down, so it never reports down/up.
 */
export class MemoryLiveTransport implements LiveTransport {
  private readonly listeners = new Map<string, Set<TransportListener>>();

  async publish(instanceId: string, frames: readonly AddressedFrame[]): Promise<boolean> {
    if (frames.length === 0) return true;
    const message = JSON.stringify(frames);
    return this.send(this.listeners.get(instanceId), (l) => l.frames(JSON.parse(message) as AddressedFrame[]));
  }

  async publishResync(target: string, request: ResyncRequest): Promise<boolean> {
    const message = JSON.stringify(request);
    const targets = target === BROADCAST ? [...this.listeners.values()].flatMap((set) => [...set]) : this.listeners.get(target);
    return this.send(targets, (l) => l.resync?.(JSON.parse(message) as ResyncRequest));
  }

  async publishRevoke(revocation: SessionRevocation): Promise<boolean> {
    const message = JSON.stringify(revocation);
    return this.send([...this.listeners.values()].flatMap((set) => [...set]), (l) => l.revoke?.(JSON.parse(message) as SessionRevocation));
  }

  async probe(): Promise<void> {}

  async subscribe(instanceId: string, handler: FramesHandler | TransportListener): Promise<() => Promise<void>> {
    const listener: TransportListener = typeof handler === 'function' ? { frames: handler } : handler;
    let listeners = this.listeners.get(instanceId);
    if (!listeners) this.listeners.set(instanceId, (listeners = new Set()));
    listeners.add(listener);
    return async () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.listeners.get(instanceId) === listeners) this.listeners.delete(instanceId);
    };
  }

  private send(targets: Iterable<TransportListener> | undefined, deliver: (listener: TransportListener) => void): boolean {
    let heard = false;
    for (const listener of targets ?? []) {
      heard = true;
      setImmediate(() => deliver(listener));
    }
    return heard;
  }
}
