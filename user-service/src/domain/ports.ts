import type { DomainEvent } from '@herald/contracts';
import type { User } from './user.js';

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
  /** Users whose lowercased username starts with `prefix` (already lowercased), by username. */
  searchByUsernamePrefix(prefix: string, limit: number): Promise<User[]>;
}

export interface FollowEdge {
  id: string;
  followerId: string;
  followeeId: string;
  createdAt: Date;
}

export type FollowDirection = 'followers' | 'following';

export interface FollowPageEntry {
  edgeId: string;
  followedAt: Date;
  /** The other end of the edge: the follower for 'followers', the followee for 'following'. */
  user: User;
}

export interface FollowRepository {
  /** Adds the edge and its event unless it already exists; true when it was added. */
  follow(edge: FollowEdge, event: DomainEvent): Promise<boolean>;
  /** Removes the edge and records the event if there was one; true when it was removed. */
  unfollow(followerId: string, followeeId: string, event: DomainEvent): Promise<boolean>;
  /** Newest edges first, strictly older than `beforeEdgeId` when given. */
  page(userId: string, direction: FollowDirection, opts: { beforeEdgeId?: string; limit: number }): Promise<FollowPageEntry[]>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** True when `stored` was made with other parameters than today's, so it should be re-hashed. */
  needsRehash(stored: string): boolean;
}

export interface TokenIssuer {
  issue(user: User): string;
}

export interface Clock {
  now(): Date;
}
