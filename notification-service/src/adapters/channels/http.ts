import { ChannelSendError } from '../../domain/channels.js';

/** An HTTP answer read to the end, so the keep-alive socket goes back to the pool. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * One POST with a deadline covering the whole exchange (connect, headers and body): a provider
 * that accepts the connection and then stalls must not hold a worker longer than `timeoutMs`.
 * Network-level failures come back as transient ChannelSendErrors.
 */
export async function postWithTimeout(
  provider: string,
  url: string,
  init: { headers: Record<string, string>; body: string | URLSearchParams; timeoutMs: number },
): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      redirect: 'error',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    return { status: response.status, headers: response.headers, body: await response.text() };
  } catch (err) {
    throw networkError(provider, err, init.timeoutMs);
  }
}

const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CLOSED: 'connection_reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
};

/** fetch reports everything as `TypeError: fetch failed`; the useful code sits on `cause`. */
export function networkError(provider: string, err: unknown, timeoutMs: number): ChannelSendError {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ChannelSendError('transient', 'timeout', `no answer within ${timeoutMs} ms`, provider);
  }
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  const code = cause?.code ?? (err as { code?: string } | null)?.code;
  const errorClass = (code && SOCKET_CODES[code]) ?? 'network';
  const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new ChannelSendError('transient', errorClass, message, provider);
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse accepts bare numbers like "-5" as years; an HTTP date always names its month.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A short excerpt of a provider's answer for error messages (they end up in logs and rows). */
export function excerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
