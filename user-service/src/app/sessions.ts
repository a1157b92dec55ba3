import { createEvent, type DomainEvent } from '@herald/contracts';
import type { AccessClaims } from '@herald/platform';
import { InvalidRefreshTokenError, RefreshTokenReusedError, UserNotFoundError, WrongPasswordError } from '../domain/errors.js';
import type { RotationPlan } from '../domain/ports.js';
import { parsePassword } from '../domain/rules.js';
import { decideRotation, hashRefreshToken, looksLikeRefreshToken, newRefreshToken, type SessionEndReason } from '../domain/sessions.js';
import type { User } from '../domain/user.js';
import { PRODUCER, type UseCaseDeps } from './deps.js';

/** What login, register and refresh answer with. */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives: refresh a little before. */
  expiresIn: number;
  sessionId: string;
}

const USER_AGENT_MAX = 256;

/** Starts a session for a user who just proved who they are (login, register). */
export async function startSession(deps: UseCaseDeps, user: Pick<User, 'id' | 'username'>, userAgent?: string): Promise<SessionTokens> {
  const now = deps.clock.now();
  const sessionId = deps.newId();
  const refresh = newRefreshToken();
  await deps.sessions.start({
    id: sessionId,
    userId: user.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.refreshTokenTtlSeconds * 1000),
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
    tokenHash: refresh.hash,
  });
  return { accessToken: deps.tokens.issue(user, sessionId), refreshToken: refresh.token, expiresIn: deps.tokens.ttlSeconds, sessionId };
}

function revokedEvent(deps: UseCaseDeps, at: Date, data: { userId: string; sessionIds?: string[]; keepSessionId?: string; reason: SessionEndReason }): DomainEvent {
  return createEvent('session.revoked', data, { producer: PRODUCER, id: deps.newId(), occurredAt: at });
}

/**
 * Exchanges a refresh token for a new pair. The presented token is used up; a used one presented
 * again ends its session everywhere (RefreshTokenReusedError), so a thief and the owner cannot both
 * keep refreshing.
 */
export async function refreshSession(deps: UseCaseDeps, refreshToken: string): Promise<SessionTokens> {
  if (!looksLikeRefreshToken(refreshToken)) throw new InvalidRefreshTokenError('refreshToken: not a Herald refresh token');
  const now = deps.clock.now();
  const next = newRefreshToken();
  const plan = await deps.sessions.rotate(hashRefreshToken(refreshToken), (found): RotationPlan => {
    const outcome = decideRotation(found, now, deps.refreshReuseGraceSeconds * 1000);
    if (outcome.kind === 'rotated') {
      return { outcome, next: { tokenHash: next.hash, at: now, expiresAt: new Date(now.getTime() + deps.refreshTokenTtlSeconds * 1000) } };
    }
    if (outcome.kind === 'reused') {
      const event = revokedEvent(deps, now, { userId: outcome.userId, sessionIds: [outcome.sessionId], reason: 'refresh_token_reuse' });
      return { outcome, end: { at: now, event } };
    }
    return { outcome };
  });
  const { outcome } = plan;
  if (outcome.kind === 'reused') throw new RefreshTokenReusedError();
  if (outcome.kind === 'refused') throw new InvalidRefreshTokenError();
  return {
    accessToken: deps.tokens.issue({ id: outcome.userId, username: outcome.username }, outcome.sessionId),
    refreshToken: next.token,
    expiresIn: deps.tokens.ttlSeconds,
    sessionId: outcome.sessionId,
  };
}

/**
 * Ends one session: the one of the access token, or the one a refresh token belongs to (a client
 * whose access token already expired can still log out). Idempotent: ending an ended session is fine.
 */
export async function logout(deps: UseCaseDeps, by: { claims?: AccessClaims; refreshToken?: string }): Promise<void> {
  let target: { sessionId: string; userId: string } | null = null;
  if (by.refreshToken !== undefined) {
    if (!looksLikeRefreshToken(by.refreshToken)) throw new InvalidRefreshTokenError('refreshToken: not a Herald refresh token');
    target = await deps.sessions.sessionOfToken(hashRefreshToken(by.refreshToken));
    if (!target) throw new InvalidRefreshTokenError();
    if (by.claims && by.claims.userId !== target.userId) throw new InvalidRefreshTokenError();
  } else if (by.claims?.sessionId) {
    target = { sessionId: by.claims.sessionId, userId: by.claims.userId };
  }
  if (!target) return;
  const { sessionId, userId } = target;
  const now = deps.clock.now();
  await deps.sessions.end(userId, { sessionIds: [sessionId] }, 'logout', now, (ended) =>
    ended.length > 0 ? revokedEvent(deps, now, { userId, sessionIds: ended, reason: 'logout' }) : null,
  );
}

/** Ends every session of the user, this one included, and closes all their live sockets. */
export async function logoutEverywhere(deps: UseCaseDeps, claims: AccessClaims): Promise<void> {
  const now = deps.clock.now();
  // Always announced: sockets opened with tokens that name no session end too.
  await deps.sessions.end(claims.userId, {}, 'logout_all', now, () => revokedEvent(deps, now, { userId: claims.userId, reason: 'logout_all' }));
}

/**
 * Changes the password after checking the current one; every other session ends (a thief who had
 * the old password is out), the caller's own stays.
 */
export async function changePassword(deps: UseCaseDeps, claims: AccessClaims, input: { currentPassword: string; newPassword: string }): Promise<void> {
  const user = await deps.users.findById(claims.userId);
  if (!user) throw new UserNotFoundError();
  if (!(await deps.hasher.verify(input.currentPassword, user.passwordHash))) throw new WrongPasswordError();
  const password = parsePassword(input.newPassword, 'newPassword');
  const hash = await deps.hasher.hash(password);
  const now = deps.clock.now();
  const keep = claims.sessionId;
  const event = revokedEvent(deps, now, { userId: user.id, reason: 'password_changed', ...(keep ? { keepSessionId: keep } : {}) });
  await deps.sessions.changePassword(user.id, hash, keep, now, event);
}
