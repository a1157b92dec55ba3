import type { BlockRepository, Clock, FollowRepository, LoginFailures, PasswordHasher, SessionRepository, TokenIssuer, UserRepository } from '../domain/ports.js';

/** Everything a use case may touch; built once in service.ts, or from memory fakes in unit tests. */
export interface UseCaseDeps {
  users: UserRepository;
  follows: FollowRepository;
  blocks: BlockRepository;
  hasher: PasswordHasher;
  tokens: TokenIssuer;
  sessions: SessionRepository;
  loginFailures: LoginFailures;
  /** How long a refresh token may sit unused before its session lapses (REFRESH_TOKEN_TTL_SECONDS). */
  refreshTokenTtlSeconds: number;
  /** How long a spent refresh token may still be exchanged (REFRESH_REUSE_GRACE_SECONDS; domain/sessions.ts). */
  refreshReuseGraceSeconds: number;
  clock: Clock;
  /** uuidv7 in production: ids sort by creation time. */
  newId: () => string;
}

/** The `producer` of every event this service emits. */
export const PRODUCER = 'user-service';
