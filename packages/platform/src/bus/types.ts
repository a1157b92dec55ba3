export interface OutgoingMessage {
  routingKey: string;
  messageId: string;
  /** JSON-serialisable. */
  body: unknown;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  routingKey: string;
  messageId?: string;
  /** Parsed JSON. */
  body: unknown;
  /** 1 on first delivery, incremented by each retry. */
  attempt: number;
  headers: Record<string, unknown>;
  redelivered: boolean;
}

export type MessageHandler = (message: IncomingMessage) => Promise<void>;

export interface SubscribeOptions {
  /** Durable queue name, e.g. 'notification-service.events'. */
  queue: string;
  /** Routing-key patterns on the exchange ('#', 'post.*'). */
  bindings: string[];
  /** Default [1000, 10000, 60000]; attempts = length + 1. */
  retryDelaysMs?: number[];
  /** Default 50. */
  prefetch?: number;
}

export interface Subscription {
  cancel(): Promise<void>;
}

export interface EventBus {
  /** Resolves only when the broker has confirmed every message; rejects otherwise (the caller retries later). */
  publish(messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription>;
  /** Resolves when the broker is reachable (for /readyz); rejects with a reason otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Throw from a handler to dead-letter a message at once, without retries (poison / malformed input). */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * By name as well as by class: a service may end up with two copies of this module (src and dist),
 * and a poison message must not be retried just because instanceof crossed that boundary.
 */
export function isPermanentError(error: unknown): boolean {
  return error instanceof PermanentError || (error instanceof Error && error.name === 'PermanentError');
}
