// @ts-check
// The signed-in session: the access and refresh tokens in localStorage (so they survive reloads and
// are shared by tabs) and the current user. Other tabs signing in, out, refreshing the tokens or
// changing the profile (its locale: the language) are followed through the storage event.
// Refreshing is done by one tab at a time (refresh()), because a refresh token works once and
// presenting a used one ends the session everywhere.
import { errorStatus } from './lib/errors.js';

const TOKEN_KEY = 'herald.accessToken';
const REFRESH_KEY = 'herald.refreshToken';
const USER_KEY = 'herald.user';
const LOCK = 'herald.refresh';

/** @typedef {{id: string, username?: string, displayName?: string, locale?: string, timezone?: string, [field: string]: unknown}} User  the /users/me shape, as far as the demo reads it */

export class Session {
  /** @param {Storage} [storage] */
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
    /** @type {Set<(session: Session) => void>} */
    this.listeners = new Set();
    /** @type {string|null} */
    this.token = storage.getItem(TOKEN_KEY);
    /** @type {string|null} */
    this.refreshToken = storage.getItem(REFRESH_KEY);
    /** @type {User|null} */
    this.user = parse(storage.getItem(USER_KEY));
    // An expired access token is fine while a refresh token can renew it.
    if (this.token && isExpired(this.token) && !this.refreshToken) this.clear();
    globalThis.addEventListener?.('storage', (e) => {
      if (e.key === TOKEN_KEY) {
        this.token = e.newValue;
        this.refreshToken = storage.getItem(REFRESH_KEY);
        this.user = parse(storage.getItem(USER_KEY));
        this.emit();
      } else if (e.key === USER_KEY && this.token && e.newValue) {
        // The same person's profile changed in another tab (a new display name or locale).
        this.user = parse(e.newValue);
        this.emit();
      }
    });
  }

  get signedIn() {
    return Boolean(this.token);
  }

  /**
   * @param {string} token
   * @param {User|null|undefined} user
   * @param {string|null} [refreshToken]
   */
  set(token, user, refreshToken = null) {
    this.token = token;
    this.refreshToken = refreshToken;
    this.user = user ?? null;
    if (refreshToken) this.storage.setItem(REFRESH_KEY, refreshToken);
    else this.storage.removeItem(REFRESH_KEY);
    this.storage.setItem(USER_KEY, JSON.stringify(user ?? null));
    // Written last: other tabs react to this key and read the rest.
    this.storage.setItem(TOKEN_KEY, token);
    this.emit();
  }

  /**
   * Gets a new pair with the refresh token, one tab at a time (a Web Lock where the browser has
   * them). A tab that waited finds the tokens another tab stored meanwhile and uses them instead of
   * spending the refresh token again. Resolves true when a fresh access token is stored.
   * @param {(refreshToken: string) => Promise<{accessToken: string, refreshToken: string}>} exchange
   */
  async refresh(exchange) {
    const stale = this.token;
    const run = async () => {
      const current = this.storage.getItem(TOKEN_KEY);
      if (current && current !== stale && !isExpired(current)) {
        this.token = current;
        this.refreshToken = this.storage.getItem(REFRESH_KEY);
        return true;
      }
      const refreshToken = this.storage.getItem(REFRESH_KEY);
      if (!refreshToken) return false;
      try {
        const pair = await exchange(refreshToken);
        this.set(pair.accessToken, this.user, pair.refreshToken);
        return true;
      } catch (err) {
        // Only a refusal ends the session; a network failure leaves it for the next try.
        if (errorStatus(err) === 401) return false;
        throw err;
      }
    };
    const locks = globalThis.navigator?.locks;
    return locks ? locks.request(LOCK, run) : run();
  }

  /** @param {User} user */
  setUser(user) {
    this.user = user;
    this.storage.setItem(USER_KEY, JSON.stringify(user));
    this.emit();
  }

  clear() {
    const had = this.token !== null;
    this.token = null;
    this.refreshToken = null;
    this.user = null;
    this.storage.removeItem(REFRESH_KEY);
    this.storage.removeItem(TOKEN_KEY);
    this.storage.removeItem(USER_KEY);
    if (had) this.emit();
  }

  /** @param {(session: Session) => void} fn  @returns {() => void} unsubscribes */
  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit() {
    for (const fn of this.listeners) fn(this);
  }
}

/**
 * Seconds until a JWT's `exp` (negative once past), read without verifying it; null when unreadable.
 * @param {string} token
 * @param {number} [nowMs]
 */
export function secondsLeft(token, nowMs = Date.now()) {
  try {
    // A token without a payload part throws here (undefined has no replace), which reads as unreadable.
    const payload = JSON.parse(atob(/** @type {string} */ (token.split('.')[1]).replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp - nowMs / 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Reads a JWT's `exp` without verifying it: only to skip a doomed request with a stale token.
 * @param {string} token
 * @param {number} [nowMs]
 */
export function isExpired(token, nowMs = Date.now()) {
  try {
    // As in secondsLeft, a missing payload part throws inside the try.
    const payload = JSON.parse(atob(/** @type {string} */ (token.split('.')[1]).replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' && payload.exp * 1000 <= nowMs;
  } catch {
    return false;
  }
}

/** @param {string|null} json */
function parse(json) {
  try {
    return json ? JSON.parse(json) : null;
  } catch {
    return null;
  }
}
