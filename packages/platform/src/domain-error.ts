/**
 * A broken domain rule: a stable snake_case `code` (docs/api.md "Error codes"), a message fit to
 * show the caller, and optional `details` (such as `{field}`). It carries no HTTP status: the HTTP
 * layer maps the code to one (createHttpApp's `domainErrorStatuses`), so domain code stays free of
 * HTTP. This module imports nothing; domain code reaches it as `@herald/platform/domain-error`.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
