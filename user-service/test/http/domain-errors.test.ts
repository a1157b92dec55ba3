import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, createLogger, createMetricsRegistry, type HttpApp } from '@herald/platform';
import {
  BlockedError,
  CannotFollowSelfError,
  EmailTakenError,
  InvalidCredentialsError,
  InvalidFieldError,
  InvalidRefreshTokenError,
  LoginLockedError,
  RefreshTokenReusedError,
  UserNotFoundError,
  UsernameTakenError,
  WrongPasswordError,
  type UserDomainError,
} from '../../src/domain/errors.js';
import { DOMAIN_ERROR_STATUSES } from '../../src/http/error-statuses.js';

/**
 * Domain errors carry a code and no status; src/http/error-statuses.ts maps each code to its status
 * (docs/api.md "Error codes"). Every one is answered with that status and the public error body
 * `{error: {code, message, details}}` clients depend on, the same as before the domain stopped
 * knowing about HTTP.
 */
const cases: { error: UserDomainError; status: number; body: unknown; retryAfter?: string }[] = [
  {
    error: new InvalidFieldError('username', 'must be 3-32 characters of letters, digits and _'),
    status: 400,
    body: { code: 'invalid_request', message: 'username: must be 3-32 characters of letters, digits and _', details: { field: 'username' } },
  },
  { error: new CannotFollowSelfError(), status: 400, body: { code: 'cannot_follow_self', message: 'id: you cannot follow or unfollow yourself', details: { field: 'id' } } },
  { error: new InvalidCredentialsError(), status: 401, body: { code: 'invalid_credentials', message: 'login or password is incorrect' } },
  { error: new InvalidRefreshTokenError(), status: 401, body: { code: 'invalid_refresh_token', message: 'refresh token is invalid, expired or revoked: log in again' } },
  {
    error: new RefreshTokenReusedError(),
    status: 401,
    body: { code: 'refresh_token_reused', message: 'this refresh token was already used, so its session has been ended: log in again' },
  },
  { error: new BlockedError('blocked_you'), status: 403, body: { code: 'blocked', message: 'id: you cannot follow this user', details: { field: 'id' } } },
  { error: new BlockedError('you_blocked'), status: 403, body: { code: 'blocked', message: 'id: you blocked this user; unblock them first', details: { field: 'id' } } },
  { error: new WrongPasswordError('password'), status: 403, body: { code: 'wrong_password', message: 'password: does not match', details: { field: 'password' } } },
  { error: new UserNotFoundError(), status: 404, body: { code: 'not_found', message: 'user not found' } },
  { error: new UsernameTakenError(), status: 409, body: { code: 'username_taken', message: 'that username is already taken', details: { field: 'username' } } },
  { error: new EmailTakenError(), status: 409, body: { code: 'email_taken', message: 'an account with that email already exists', details: { field: 'email' } } },
  {
    error: new LoginLockedError(7),
    status: 429,
    body: { code: 'login_locked', message: 'too many failed logins for this account: try again in 7 s', details: { retryAfterSeconds: 7 } },
    retryAfter: '7',
  },
];

let app: HttpApp;
beforeAll(async () => {
  app = await createHttpApp({
    service: 'user-service',
    logger: createLogger('user-service', 'silent'),
    registry: createMetricsRegistry('user-service'),
    domainErrorStatuses: DOMAIN_ERROR_STATUSES,
  });
  app.get<{ Params: { i: string } }>('/throw/:i', async (req) => {
    throw cases[Number(req.params.i)]!.error;
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

describe('domain errors over HTTP', () => {
  it.each(cases.map((c, i) => [c.error.name, c.body, i] as const))('%s: the status of its code, the public body', async (_name, _body, i) => {
    const { status, body, retryAfter } = cases[i]!;
    const res = await app.inject({ url: `/throw/${i}` });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: body });
    expect(res.headers['retry-after']).toBe(retryAfter);
  });

  it('every code of the domain has its status, and the cases above cover each one', () => {
    expect(new Set(cases.map((c) => c.error.code))).toEqual(new Set(Object.keys(DOMAIN_ERROR_STATUSES)));
    for (const c of cases) expect(DOMAIN_ERROR_STATUSES[c.error.code as keyof typeof DOMAIN_ERROR_STATUSES]).toBe(c.status);
  });
});
