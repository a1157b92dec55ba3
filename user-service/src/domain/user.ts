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

/** What the owner sees about themselves: the public view plus contact details. */
export interface MeUser extends PublicUser {
  email: string;
  phone: string | null;
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
  return { ...publicView(user), email: user.email, phone: user.phone };
}

/** The reference other services keep in events (contracts' UserRef). */
export function userRef(user: User) {
  return { id: user.id, username: user.username, displayName: user.displayName };
}
