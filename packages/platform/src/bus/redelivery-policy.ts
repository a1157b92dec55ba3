/** The bus's redelivery rules (retry delays, attempts, dead letters), shared by the AMQP and in-memory buses. Not to be confused with notification-service's channel rules. */
import { isPermanentError, type SubscribeOptions } from './types.js';
import { errorMessage } from './logger.js';

/** Header names shared by both buses, so a dead letter looks the same whichever one produced it. */
export const ATTEMPT_HEADER = 'x-attempt';
export const ROUTING_KEY_HEADER = 'x-original-routing-key';
export const ERROR_HEADER = 'x-error';
export const ATTEMPTS_HEADER = 'x-attempts';
export const REASON_HEADER = 'x-dead-letter-reason';
export const FAILED_AT_HEADER = 'x-failed-at';

export type DeadLetterReason = 'exhausted' | 'permanent' | 'invalid-json';
export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ['exhausted', 'permanent', 'invalid-json'];

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 10000, 60000];
export const DEFAULT_PREFETCH = 50;

// A header carries at most one AMQP frame; a stack trace or huge message must not break dead-lettering.
const MAX_ERROR_LENGTH = 1000;

export interface ResolvedSubscribeOptions {
  queue: string;
  bindings: string[];
  retryDelaysMs: number[];
  prefetch: number;
}

export function resolveSubscribeOptions(options: SubscribeOptions): ResolvedSubscribeOptions {
  const { queue, bindings } = options;
  const retryDelaysMs = [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)];
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  if (!queue) throw new TypeError('subscribe: queue is required');
  if (!Array.isArray(bindings)) throw new TypeError('subscribe: bindings must be an array');
  if (!retryDelaysMs.every((ms) => Number.isInteger(ms) && ms > 0)) {
    throw new TypeError('subscribe: retryDelaysMs must be positive integers');
  }
  if (!Number.isInteger(prefetch) || prefetch < 1) throw new TypeError('subscribe: prefetch must be a positive integer');
  return { queue, bindings: [...bindings], retryDelaysMs, prefetch };
}

/** JSON is the wire format of both buses; undefined, functions and cycles are rejected before anything is sent. */
export function encodeBody(body: unknown): string {
  const text = JSON.stringify(body);
  if (text === undefined) throw new TypeError('message body is not JSON-serialisable');
  return text;
}

export function readAttempt(headers: Record<string, unknown>): number {
  const value = Number(headers[ATTEMPT_HEADER]);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

/** A retried message comes back through the default exchange, which replaces its routing key with the queue name. */
export function readRoutingKey(headers: Record<string, unknown>, deliveredWith: string): string {
  const original = headers[ROUTING_KEY_HEADER];
  return typeof original === 'string' ? original : deliveredWith;
}

export type Verdict =
  | { action: 'retry'; delayMs: number; headers: Record<string, unknown> }
  | { action: 'dead-letter'; reason: DeadLetterReason; headers: Record<string, unknown> };

export interface FailedDelivery {
  headers: Record<string, unknown>;
  routingKey: string;
  attempt: number;
  error: unknown;
  retryDelaysMs: number[];
  invalidJson?: boolean;
}

/** What happens to a message whose handler threw (or whose body could not be parsed). */
export function decide(failed: FailedDelivery): Verdict {
  const { attempt, retryDelaysMs } = failed;
  const delayMs = retryDelaysMs[attempt - 1];
  const reason: DeadLetterReason | undefined = failed.invalidJson
    ? 'invalid-json'
    : isPermanentError(failed.error)
      ? 'permanent'
      : delayMs === undefined
        ? 'exhausted'
        : undefined;
  if (reason === undefined && delayMs !== undefined) {
    return {
      action: 'retry',
      delayMs,
      headers: { ...failed.headers, [ATTEMPT_HEADER]: attempt + 1, [ROUTING_KEY_HEADER]: failed.routingKey },
    };
  }
  return {
    action: 'dead-letter',
    reason: reason ?? 'exhausted',
    headers: {
      ...failed.headers,
      [ROUTING_KEY_HEADER]: failed.routingKey,
      [ERROR_HEADER]: errorMessage(failed.error).slice(0, MAX_ERROR_LENGTH),
      [ATTEMPTS_HEADER]: attempt,
      [REASON_HEADER]: reason ?? 'exhausted',
      [FAILED_AT_HEADER]: new Date().toISOString(),
    },
  };
}
