import type { DirectMessagePolicy, DomainEvent } from '@herald/contracts';
import type { User } from './user.js';
import type { RotationOutcome, SessionEndReason, StoredRefreshToken } from './sessions.js';

/**
 * What the use cases need from the outside world. Every write that has a domain event takes the
 * event along, and the adapter stores it in the outbox in the same transaction as the change, so
 * the event is published if and only if the change committed.
 */
export interface NewUser {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  displayName: string;
  phone: string | null;
  locale: string;
  timezone: string;
  createdAt: Date;
}

export interface ProfilePatch {
  displayName?: string;
  email?: string;
  phone?: string | null;
  locale?: string;
  timezone?: string;
  directMessages?: DirectMessagePolicy;
}

/** What a profile update writes, decided from the current (locked) row; see UserRepository.updateProfile. */
export interface ProfileWrite {
  /** Only the fields whose value changes. */
  set: ProfilePatch;
  /** The address changed, so an earlier bounce no longer applies to it. */
  clearEmailBounce: boolean;
  clearPhoneBounce: boolean;
  /** Stored as the row's updated_at: the event's occurredAt. */
  updatedAt: Date;
  event: DomainEvent;
}

/** The addresses user-service owns that can bounce (a Slack webhook lives in notification-service). */
export type BouncedAddressKind = 'email' | 'phone';

export interface UserRepository {
  /** Throws UsernameTakenError / EmailTakenError when a unique key (case-insensitive) is taken. */
  create(user: NewUser, event: DomainEvent): Promise<User>;
  findById(id: string): Promise<User | null>;
  findByUsername(username: string): Promise<User | null>;
  findByEmail(email: string): Promise<User | null>;
  /**
   * In one transaction: locks the user's row, calls `decide` with its current state, and writes what
   * it returns together with its event in the outbox; `null` writes nothing and returns the user as
   * is. Locking first means concurrent updates of one user are decided, written and timestamped one
   * after the other, so the order of their events is the order of their commits.
   * Throws EmailTakenError or UserNotFoundError.
   */
  updateProfile(id: string, decide: (current: User) => ProfileWrite | null): Promise<User>;
  /**
   * Records that `address` bounced at `at`, only while it is still the user's current email (compared
   * case-insensitively) or phone, and only the first time. True when a flag was set now.
   */
  markAddressBounced(id: string, kind: BouncedAddressKind, address: string, at: Date): Promise<boolean>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
  /**
   * Deletes the account and writes `event` (user.deleted) to the outbox, in one transaction: the
   * users row goes, and with it (ON DELETE CASCADE) its sessions, refresh tokens and follow edges;
   * the followers/following counters of the people on the other end of those edges go down by one;
   * the login-failure rows under `loginKeys` go too. False when there was no such account (nothing written).
   */
  deleteAccount(id: string, event: DomainEvent, forget: { loginKeys: readonly string[] }): Promise<boolean>;
  /** Users whose lowercased username starts with `prefix` (already lowercased), by username. */
  searchByUsernamePrefix(prefix: string, limit: number): Promise<User[]>;
}

export interface FollowEdge {
  id: string;
  followerId: string;
  followeeId: string;
  createdAt: Date;
}

/** A pair of people as the block repository found it, both user rows locked (see blocks.ts). */
export interface PairState {
  /** The blocker already blocks the other person. */
  blocked: boolean;
  /** occurredAt of the blocker's newest block or unblock event; null when there was none. */
  lastChangeAt: Date | null;
  /** The follow edges between the two, in both directions. */
  edges: FollowEdge[];
}

export type FollowDirection = 'followers' | 'following';

export interface FollowPageEntry {
  edgeId: string;
  followedAt: Date;
  /** The other end of the edge: the follower for 'followers', the followee for 'following'. */
  user: User;
}

export interface FollowRepository {
  /**
   * Adds the edge and its event unless it already exists; true when it was added. Refuses with
   * BlockedError when either person blocks the other, decided with both users rows locked, so a
   * block committing at the same moment is either seen here or removes the edge itself.
   */
  follow(edge: FollowEdge, event: DomainEvent): Promise<boolean>;
  /** Removes the edge and records the event if there was one; true when it was removed. */
  unfollow(followerId: string, followeeId: string, event: DomainEvent): Promise<boolean>;
  /** Newest edges first, strictly older than `beforeEdgeId` when given. */
  page(userId: string, direction: FollowDirection, opts: { beforeEdgeId?: string; limit: number }): Promise<FollowPageEntry[]>;
}

/**
 * What a block or an unblock writes, decided on the pair's locked state (domain/blocks.ts). All of it
 * commits together: the block row added (`add`) or removed, the follow edges between the two removed
 * (counters lowered), the blocker's `blocks_changed_at` set to `at`, and the events in the outbox.
 */
export interface BlockWrite {
  /** The new block row; absent for an unblock (the row goes). */
  add?: { id: string; createdAt: Date };
  /** Edges to remove (only on a block): those in the state, by id. */
  removeEdges: FollowEdge[];
  at: Date;
  events: DomainEvent[];
}

export interface BlockEntry {
  /** The block row's uuidv7 id (the page cursor). */
  id: string;
  blockedId: string;
  createdAt: Date;
}

export interface BlockRepository {
  /**
   * In one transaction: locks both users rows (in id order, as follows and account deletion do),
   * reads the pair's state, calls `decide` and writes what it returns (`null`: nothing). True when
   * something was written. Throws UserNotFoundError when either account does not exist.
   */
  change(blockerId: string, blockedId: string, decide: (state: PairState) => BlockWrite | null): Promise<boolean>;
  /** The blocker's blocks, newest first, strictly older than `beforeId` when given. */
  page(blockerId: string, opts: { beforeId?: string; limit: number }): Promise<BlockEntry[]>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** True when `stored` was made with other parameters than today's, so it should be re-hashed. */
  needsRehash(stored: string): boolean;
}

export interface TokenIssuer {
  /** A short-lived access token of `user` in session `sessionId`. */
  issue(user: Pick<User, 'id' | 'username'>, sessionId: string): string;
  /** How long an access token lives (ACCESS_TOKEN_TTL_SECONDS). */
  readonly ttlSeconds: number;
}

export interface NewSession {
  id: string;
  userId: string;
  createdAt: Date;
  /** The refresh token's idle lifetime from now. */
  expiresAt: Date;
  userAgent: string | null;
  /** The first refresh token of the session. */
  tokenHash: string;
}

/** What rotate() writes for an outcome: decided by the use case from the locked row. */
export interface RotationPlan {
  outcome: RotationOutcome;
  /** On 'rotated': the successor token; the presented one is marked used in the same transaction. */
  next?: { tokenHash: string; at: Date; expiresAt: Date };
  /** On 'reused': the session ends, with its session.revoked event. */
  end?: { at: Date; event: DomainEvent };
}

export interface SessionRepository {
  /** Inserts the session and its first refresh token. */
  start(session: NewSession): Promise<void>;
  /**
   * In one transaction: finds and locks the token with `tokenHash` and its session, calls `decide`,
   * and writes what the plan says. Two refreshes racing with one token are serialised by the lock, so
   * the second sees the token used.
   */
  rotate(tokenHash: string, decide: (found: StoredRefreshToken | null) => RotationPlan): Promise<RotationPlan>;
  /** The session a refresh token (used or not) belongs to, if any. */
  sessionOfToken(tokenHash: string): Promise<{ sessionId: string; userId: string } | null>;
  /**
   * Ends the user's live sessions: those in `sessionIds`, or all but `keepSessionId` when it is absent;
   * writes `event` when `always` or when a session ended. Returns the ids that ended now.
   */
  end(
    userId: string,
    which: { sessionIds?: string[]; keepSessionId?: string },
    reason: SessionEndReason,
    at: Date,
    event: (ended: string[]) => DomainEvent | null,
  ): Promise<string[]>;
  /**
   * Sets the password hash and ends every other session, with `event`, in one transaction. Throws
   * UserNotFoundError (nothing written) when there is no such account.
   */
  changePassword(userId: string, passwordHash: string, keepSessionId: string | undefined, at: Date, event: DomainEvent): Promise<void>;
}

/** Consecutive failed logins per login name (domain/login-backoff.ts). */
export interface LoginFailures {
  /** Until when the name is locked, if it is. */
  lockedUntil(key: string): Promise<Date | null>;
  /** Counts one more failure and sets the lock `lockFor(failures)` ms from `at`; returns the new count. */
  recordFailure(key: string, at: Date, lockFor: (failures: number) => number): Promise<number>;
  /** Forgets the name's failures (a successful login). */
  clear(key: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}
