import type { DomainErrorStatuses } from '@herald/platform';
import type { UserErrorCode } from '../domain/errors.js';

/**
 * The HTTP status of each code user-service's domain errors carry: the one place they are mapped
 * (docs/api.md "Error codes" lists them for clients, who depend on both). Given to createHttpApp,
 * whose error handler answers a DomainError with `{error: {code, message, details}}` and this status.
 */
export const DOMAIN_ERROR_STATUSES = {
  invalid_request: 400,
  cannot_follow_self: 400,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  refresh_token_reused: 401,
  blocked: 403,
  wrong_password: 403,
  not_found: 404,
  username_taken: 409,
  email_taken: 409,
  login_locked: 429,
} as const satisfies Record<UserErrorCode, number> & DomainErrorStatuses;
