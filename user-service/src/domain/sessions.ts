import { createHash, randomBytes } from 'node:crypto';

/**
 * Sessions and refresh tokens (docs/security.md "Sessions"). A login starts a session: a family of
 * refresh tokens of which only the newest may be used, once. Using it (refresh) marks it used and
 * issues its successor with a new access token. A used token presented again means two parties hold
 * the family (one of them stole it), so the whole session ends. Access tokens name their session
 * (`sid`), so ending one also closes the live sockets opened with its tokens.
 */

/** Refresh tokens start with this, so leaked ones are easy to recognise (secret scanners, logs). */
export const REFRESH_TOKEN_PREFIX = 'hrt_';
const REFRESH_TOKEN = /^hrt_[A-Za-z0-9_-]{43}$/;

export type SessionEndReason = 'logout' | 'logout_all' | 'password_changed' | 'refresh_token_reuse';

/** 32 random bytes: guessing one is hopeless, so it is stored as a plain SHA-256 (no salt, no slow hash). */
export function newRefreshToken(): { token: string; hash: string } {
  const token = REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Anything that is not shaped like one of ours is refused without a database round trip. */
export function looksLikeRefreshToken(token: string): boolean {
  return REFRESH_TOKEN.test(token);
}

/** The presented token's row with its session, as the repository found it (locked). */
export interface StoredRefreshToken {
  sessionId: string;
  userId: string;
  username: string;
  usedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
}

export type RotationOutcome =
  | { kind: 'rotated'; sessionId: string; userId: string; username: string }
  | { kind: 'refused'; why: 'unknown' | 'expired' | 'revoked' }
  | { kind: 'reused'; sessionId: string; userId: string };

/**
 * How long after its first use a refresh token may be presented again and still be exchanged (for a
 * new pair of the same session) instead of counting as reuse. Two tabs of one browser share the
 * token through localStorage, whose writes reach the other tab asynchronously: the second tab can
 * present the token the first one has just spent. A client whose response was lost on a flaky
 * network retries the same way. Providers call this a reuse interval or grace period.
 */
export const DEFAULT_REFRESH_REUSE_GRACE_SECONDS = 10;

/**
 * What presenting a refresh token means. Order matters: a revoked session refuses even its newest
 * token, and a reused token of a session already revoked changes nothing more. A used token
 * presented within `graceMs` of its first use is exchanged again (the window is counted from the
 * first use, so repeating it cannot stretch it).
 */
export function decideRotation(found: StoredRefreshToken | null, now: Date, graceMs = 0): RotationOutcome {
  if (!found) return { kind: 'refused', why: 'unknown' };
  if (found.revokedAt) return { kind: 'refused', why: 'revoked' };
  if (found.usedAt && (graceMs <= 0 || now.getTime() - found.usedAt.getTime() > graceMs)) return { kind: 'reused', sessionId: found.sessionId, userId: found.userId };
  if (found.expiresAt.getTime() <= now.getTime()) return { kind: 'refused', why: 'expired' };
  return { kind: 'rotated', sessionId: found.sessionId, userId: found.userId, username: found.username };
}
