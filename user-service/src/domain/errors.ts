import { DomainError } from '@herald/platform/domain-error';

/**
 * Every code user-service's domain errors carry (docs/api.md "Error codes"). The HTTP status of
 * each is given in one place, src/http/error-statuses.ts; the domain knows none.
 */
export type UserErrorCode =
  | 'invalid_request'
  | 'cannot_follow_self'
  | 'invalid_credentials'
  | 'invalid_refresh_token'
  | 'refresh_token_reused'
  | 'blocked'
  | 'wrong_password'
  | 'not_found'
  | 'username_taken'
  | 'email_taken'
  | 'login_locked';

/** A user-service domain error: one of UserErrorCode, a message fit to show, optional details. */
export abstract class UserDomainError extends DomainError {
  override name = 'UserDomainError';
  constructor(code: UserErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** Input that passed the HTTP schema (or came from elsewhere) but breaks a domain rule. */
export class InvalidFieldError extends UserDomainError {
  override name = 'InvalidFieldError';
  constructor(field: string, message: string) {
    super('invalid_request', `${field}: ${message}`, { field });
  }
}

export class UsernameTakenError extends UserDomainError {
  override name = 'UsernameTakenError';
  constructor() {
    super('username_taken', 'that username is already taken', { field: 'username' });
  }
}

export class EmailTakenError extends UserDomainError {
  override name = 'EmailTakenError';
  constructor() {
    super('email_taken', 'an account with that email already exists', { field: 'email' });
  }
}

/** One message whether the login is unknown or the password wrong, so accounts cannot be probed. */
export class InvalidCredentialsError extends UserDomainError {
  override name = 'InvalidCredentialsError';
  constructor() {
    super('invalid_credentials', 'login or password is incorrect');
  }
}

export class CannotFollowSelfError extends UserDomainError {
  override name = 'CannotFollowSelfError';
  constructor() {
    super('cannot_follow_self', 'id: you cannot follow or unfollow yourself', { field: 'id' });
  }
}

/**
 * A follow refused because of a block between the two people. The same code either way; only the
 * blocker is told that the block is theirs (the other learns nothing they could not guess).
 */
export class BlockedError extends UserDomainError {
  override name = 'BlockedError';
  constructor(why: 'you_blocked' | 'blocked_you') {
    super('blocked', why === 'you_blocked' ? 'id: you blocked this user; unblock them first' : 'id: you cannot follow this user', { field: 'id' });
  }
}

export class UserNotFoundError extends UserDomainError {
  override name = 'UserNotFoundError';
  constructor() {
    super('not_found', 'user not found');
  }
}

/** Unknown, expired, or of a session that ended: log in again. */
export class InvalidRefreshTokenError extends UserDomainError {
  override name = 'InvalidRefreshTokenError';
  constructor(message = 'refresh token is invalid, expired or revoked: log in again') {
    super('invalid_refresh_token', message);
  }
}

/** A refresh token that was already used: its session has been ended, on every device. */
export class RefreshTokenReusedError extends UserDomainError {
  override name = 'RefreshTokenReusedError';
  constructor() {
    super('refresh_token_reused', 'this refresh token was already used, so its session has been ended: log in again');
  }
}

/** The password given to confirm a change (currentPassword) or an account deletion (password) is wrong. */
export class WrongPasswordError extends UserDomainError {
  override name = 'WrongPasswordError';
  constructor(field: 'currentPassword' | 'password' = 'currentPassword') {
    super('wrong_password', `${field}: does not match`, { field });
  }
}

/** Too many failed logins for this name in a row: wait (docs/security.md "Password guessing"). */
export class LoginLockedError extends UserDomainError {
  override name = 'LoginLockedError';
  constructor(readonly retryAfterSeconds: number) {
    super('login_locked', `too many failed logins for this account: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
