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

export interface UserRepository {
  /** Throws UsernameTakenError / EmailTakenError when a unique key (case-insensitive) is taken. */
  create(user: NewUser, event: DomainEvent): Promise<User>;
  findById(id: string): Promise<User | null>;
  findByUsername(username: string): Promise<User | null>;
  findByEmail(email: string): Promise<User | null>;
  /** Throws EmailTakenError or UserNotFoundError. */
  update(id: string, patch: ProfilePatch): Promise<User>;
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
