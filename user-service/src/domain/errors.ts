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

export class UserNotFoundError extends NotFoundError {
  override name = 'UserNotFoundError';
  constructor() {
    super('user');
  }
}
