export type ClientKind = 'herald' | 'socketio' | 'ws';

/** Commands the orchestrator sends the client worker over IPC (one reply each). */
export type ClientCommand =
  | { cmd: 'connect'; kind: ClientKind; url: string; users: { id: string; token: string }[]; addresses: string[]; concurrency: number }
  /** Resolves with arrival times once `expect` notification frames about `objectId` arrived, or at the timeout. */
  | { cmd: 'watch'; objectId: string; expect: number; timeoutMs: number }
  /** From now on, every notification frame's object id and arrival time is kept... */
  | { cmd: 'record' }
  /** ...until drained: waits for `expect` of them (or the timeout) and hands them over. */
  | { cmd: 'drain'; expect: number; timeoutMs: number }
  /** A full GC in the worker (started with --expose-gc), before a measured window opens. */
  | { cmd: 'gc' }
  | { cmd: 'close' }
  | { cmd: 'usage' };

export type ClientReply = Record<string, unknown>;
