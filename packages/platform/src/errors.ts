/**
 * Errors a use case or an HTTP handler may raise, each with its status and a stable snake_case
 * code, answered as such by the HTTP error handler. Domain code raises DomainError instead (a code
 * without a status, mapped to one by the HTTP layer). Anything else is an internal error and its
 * message is never shown.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export class BadRequestError extends AppError {
  override name = 'BadRequestError';
  constructor(field: string, message: string) {
    super(400, 'invalid_request', `${field}: ${message}`, { field });
  }
}

/**
 * Bad input found outside the schema (text hygiene, nesting depth), answered exactly like a schema
 * failure: `{error: {code: 'invalid_request', message: '<field> <problem>', details: {field, location}}}`.
 */
export class InvalidInputError extends AppError {
  override name = 'InvalidInputError';
  constructor(location: 'body' | 'querystring' | 'params' | 'headers', field: string, problem: string) {
    const name = field || location;
    super(400, 'invalid_request', `${name} ${problem}`, { field: name, location });
  }
}

export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';
  constructor(message = 'a valid access token is required', code = 'unauthorized') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(message = 'not allowed') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(code: string, message: string, details?: unknown) {
    super(409, code, message, details);
  }
}
