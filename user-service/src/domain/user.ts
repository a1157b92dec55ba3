import type { DirectMessagePolicy } from '@herald/contracts';

/** An account as the domain sees it. The password hash never leaves the service (see the views below). */
export interface User {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  displayName: string;
  phone: string | null;
  locale: string;
  timezone: string;
  followersCount: number;
  followingCount: number;
  createdAt: Date;
  /** Last profile change (or creation); the next user.updated is ordered after it. */
  updatedAt: Date;
  /** When a message to the current email / phone bounced for good; null when it has not (or it changed since). */
  emailBouncedAt: Date | null;
  phoneBouncedAt: Date | null;
  /** Whom this person accepts direct messages from (post-service enforces it). */
  directMessages: DirectMessagePolicy;
}

/** What anyone signed in may see about a user. */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  locale: string;
  timezone: string;
  createdAt: string;
  followersCount: number;
  followingCount: number;
}

/** What the owner sees about themselves: the public view plus contact details and whether they bounced. */
export interface MeUser extends PublicUser {
  email: string;
  phone: string | null;
  emailBounced: boolean;
  phoneBounced: boolean;
  directMessages: DirectMessagePolicy;
}

// Built field by field (not by spreading) so a new column can never leak by accident.
export function publicView(user: User): PublicUser {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    locale: user.locale,
    timezone: user.timezone,
    createdAt: user.createdAt.toISOString(),
    followersCount: user.followersCount,
    followingCount: user.followingCount,
  };
}

export function meView(user: User): MeUser {
  return {
    ...publicView(user),
    email: user.email,
    phone: user.phone,
    emailBounced: user.emailBouncedAt !== null,
    phoneBounced: user.phoneBouncedAt !== null,
    directMessages: user.directMessages,
  };
}

/** The reference other services keep in events (contracts' UserRef). */
export function userRef(user: User) {
  return { id: user.id, username: user.username, displayName: user.displayName };
}
