import type { AddressedFrame } from '../domain/ports.js';

/** Receives the frames other instances sent to this one, in the order each batch was published. */
export type FramesHandler = (frames: AddressedFrame[]) => void;

/**
 * How one instance hands live frames to another: one message per target instance per batch, so a
 * chunk of 1,000 recipients spread over three instances costs three messages. Best effort (the inbox
 * is the truth and a client that missed something resumes). Redis pub/sub in real mode, an
 * in-process bus when embedded.
 */
export interface LiveTransport {
  publish(instanceId: string, frames: readonly AddressedFrame[]): Promise<void>;
  /** Starts receiving this instance's frames; resolves once subscribed, with the way to stop. */
  subscribe(instanceId: string, onFrames: FramesHandler): Promise<() => Promise<void>>;
}
