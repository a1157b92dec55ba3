// The signed-in session: the access token in localStorage (so it survives reloads and is shared by
// tabs) and the current user. Other tabs signing in or out are followed through the storage event.

const TOKEN_KEY = 'herald.accessToken';
const USER_KEY = 'herald.user';

export class Session {
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
    this.listeners = new Set();
    this.token = storage.getItem(TOKEN_KEY);
    this.user = parse(storage.getItem(USER_KEY));
    if (this.token && isExpired(this.token)) this.clear();
    globalThis.addEventListener?.('storage', (e) => {
      if (e.key !== TOKEN_KEY) return;
      this.token = e.newValue;
      this.user = parse(storage.getItem(USER_KEY));
      this.emit();
    });
  }

  get signedIn() {
    return Boolean(this.token);
  }

  set(token, user) {
    this.token = token;
    this.user = user ?? null;
    this.storage.setItem(TOKEN_KEY, token);
    this.storage.setItem(USER_KEY, JSON.stringify(user ?? null));
    this.emit();
  }

  setUser(user) {
    this.user = user;
    this.storage.setItem(USER_KEY, JSON.stringify(user));
    this.emit();
  }

  clear() {
    const had = this.token !== null;
    this.token = null;
    this.user = null;
    this.storage.removeItem(TOKEN_KEY);
    this.storage.removeItem(USER_KEY);
    if (had) this.emit();
  }

  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit() {
    for (const fn of this.listeners) fn(this);
  }
}

/** Reads a JWT's `exp` without verifying it: only to skip a doomed request with a stale token. */
export function isExpired(token, nowMs = Date.now()) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' && payload.exp * 1000 <= nowMs;
  } catch {
    return false;
  }
}

function parse(json) {
  try {
    return json ? JSON.parse(json) : null;
  } catch {
    return null;
  }
}
