import { AppError, BadRequestError, ConflictError, NotFoundError } from '@herald/platform';

/** Input that passed the HTTP schema (or came from elsewhere) but breaks a domain rule. */
export class InvalidFieldError extends BadRequestError {
  override name = 'InvalidFieldError';
}

export class UsernameTakenError extends ConflictError {
  override name = 'UsernameTakenError';
  constructor() {
    super('username_taken', 'that username is already taken', { field: 'username' });
  }
}

export class EmailTakenError extends ConflictError {
  override name = 'EmailTakenError';
  constructor() {
    super('email_taken', 'an account with that email already exists', { field: 'email' });
  }
}

/** One message whether the login is unknown or the password wrong, so accounts cannot be probed. */
export class InvalidCredentialsError extends AppError {
  override name = 'InvalidCredentialsError';
  constructor() {
    super(401, 'invalid_credentials', 'login or password is incorrect');
  }
}

export class CannotFollowSelfError extends AppError {
  override name = 'CannotFollowSelfError';
  constructor() {
    super(400, 'cannot_follow_self', 'id: you cannot follow or unfollow yourself', { field: 'id' });
  }
}

/**
 * A follow refused because of a block between the two people. The same code either way; only the
 * blocker is told that the block is theirs (the other learns nothing they could not guess).
 */
export class BlockedError extends AppError {
  override name = 'BlockedError';
  constructor(why: 'you_blocked' | 'blocked_you') {
    super(403, 'blocked', why === 'you_blocked' ? 'id: you blocked this user; unblock them first' : 'id: you cannot follow this user', { field: 'id' });
  }
}

export class UserNotFoundError extends NotFoundError {
  override name = 'UserNotFoundError';
  constructor() {
    super('user');
  }
}

/** Unknown, expired, or of a session that ended: log in again. */
export class InvalidRefreshTokenError extends AppError {
  override name = 'InvalidRefreshTokenError';
  constructor(message = 'refresh token is invalid, expired or revoked: log in again') {
    super(401, 'invalid_refresh_token', message);
  }
}

/** A refresh token that was already used: its session has been ended, on every device. */
export class RefreshTokenReusedError extends AppError {
  override name = 'RefreshTokenReusedError';
  constructor() {
    super(401, 'refresh_token_reused', 'this refresh token was already used, so its session has been ended: log in again');
  }
}

/** The password given to confirm a change (currentPassword) or an account deletion (password) is wrong. */
export class WrongPasswordError extends AppError {
  override name = 'WrongPasswordError';
  constructor(field: 'currentPassword' | 'password' = 'currentPassword') {
    super(403, 'wrong_password', `${field}: does not match`, { field });
  }
}

/** Too many failed logins for this name in a row: wait (docs/security.md "Password guessing"). */
export class LoginLockedError extends AppError {
  override name = 'LoginLockedError';
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'login_locked', `too many failed logins for this account: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
