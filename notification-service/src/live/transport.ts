import type { AddressedFrame } from '../domain/ports.js';
import type { SessionRevocation } from '../domain/plan.js';

/** Receives the frames other instances sent to this one, in the order each batch was published. */
export type FramesHandler = (frames: AddressedFrame[]) => void;

/** The target of a resync request that every subscribed instance receives. */
export const BROADCAST = '*';

/**
 * "Frames meant for your sockets may have been lost: catch them up from the inbox." Sent by an
 * instance whose PUBLISH failed or reached nobody, or whose presence lookup failed (then to all).
 */
export interface ResyncRequest {
  /** The asking instance (a broadcast reaches it too; it ignores its own). */
  from: string;
  /** Only these users' sockets; all of the receiver's sockets when absent. */
  users?: string[];
  /** Every lost notification has an id after this one; absent when only unread counts were lost. */
  after?: string;
}

/** What the subscription reports besides frames. */
export interface TransportListener {
  frames: FramesHandler;
  resync?(request: ResyncRequest): void;
  /**
   * The subscription broke: messages published from now on may never arrive. `since` (ms): it was
   * found hung rather than closed, and messages may have been lost since then already.
   */
  down?(since?: number): void;
  /**
   * Connected again after down(); messages arrive from here on. `subscribed` settles once the
   * server confirmed the subscription: a catch-up query must not start before it.
   */
  up?(subscribed: Promise<void>): void;
  /** Sessions ended: close their sockets (every instance hears every revocation). */
  revoke?(revocation: SessionRevocation): void;
}

/**
 * How one instance hands live frames to another: one message per target instance per batch, so a
 * chunk of 1,000 recipients spread over three instances costs three messages. Best effort (the inbox
 * is the truth): a batch that could not be handed over is made good by a resync request once the
 * transport works again. Redis pub/sub in real mode, an in-process bus when embedded.
 */
export interface LiveTransport {
  /** Resolves whether any subscriber received it (false: the instance is gone or not subscribed right now). */
  publish(instanceId: string, frames: readonly AddressedFrame[]): Promise<boolean>;
  /** To one instance, or to every instance with BROADCAST; resolves whether anyone received it. */
  publishResync(target: string, request: ResyncRequest): Promise<boolean>;
  /** To every instance: these sessions ended. Resolves whether anyone received it. */
  publishRevoke(revocation: SessionRevocation): Promise<boolean>;
  /** Starts receiving this instance's frames and the resync requests; resolves once subscribed, with the way to stop. */
  subscribe(instanceId: string, listener: FramesHandler | TransportListener): Promise<() => Promise<void>>;
  /** Resolves once a round trip to the transport works (used to learn that it is back). */
  probe(): Promise<void>;
}
