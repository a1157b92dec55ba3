import { AppError } from '@herald/platform';
import type { ServiceName } from './routes-table.js';

/** The gateway's own refusals, each one status and one stable code in the public error shape. */
export class UpstreamUnavailableError extends AppError {
  override name = 'UpstreamUnavailableError';
  constructor(service: ServiceName) {
    super(503, 'service_unavailable', `${service} is unavailable; try again shortly`, { service });
  }
}

export class UpstreamTimeoutError extends AppError {
  override name = 'UpstreamTimeoutError';
  constructor(service: ServiceName, timeoutMs: number) {
    super(504, 'upstream_timeout', `${service} did not answer within ${timeoutMs} ms`, { service });
  }
}

export type LimitScope = 'ip' | 'user' | 'auth';

export class RateLimitedError extends AppError {
  override name = 'RateLimitedError';
  constructor(scope: LimitScope, limit: number, retryAfterSeconds: number) {
    const who = scope === 'user' ? 'this account' : scope === 'auth' ? 'sign-in attempts from this address' : 'this address';
    super(429, 'rate_limited', `too many requests for ${who}; retry in ${retryAfterSeconds} s`, { scope, limit, retryAfterSeconds });
  }
}

export class InvalidPathError extends AppError {
  override name = 'InvalidPathError';
  constructor(reason: string) {
    super(400, 'invalid_path', reason, { field: 'path', location: 'path' });
  }
}

export class RouteNotFoundError extends AppError {
  override name = 'RouteNotFoundError';
  constructor(method: string, path: string) {
    super(404, 'route_not_found', `no route ${method} ${path}`);
  }
}

export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  constructor(limit: number) {
    super(413, 'payload_too_large', `request body is larger than ${limit} bytes`);
  }
}

export class UpgradeRequiredError extends AppError {
  override name = 'UpgradeRequiredError';
  constructor() {
    super(426, 'upgrade_required', 'GET /ws must be a WebSocket upgrade request');
  }
}

export class ExpectationFailedError extends AppError {
  override name = 'ExpectationFailedError';
  constructor(expectation: string) {
    super(417, 'expectation_failed', `Expect: ${expectation} is not supported; only Expect: 100-continue is`);
  }
}


export class ApiKeyFromBrowserError extends AppError {
  override name = 'ApiKeyFromBrowserError';
  constructor() {
    super(403, 'api_key_from_browser', 'X-API-Key is for backends, and this request came from a browser page (it has an Origin): call Herald from your server');
  }
}
