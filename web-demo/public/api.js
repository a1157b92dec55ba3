// @ts-check
// ApiClient: a thin fetch wrapper over the public HTTP contract (docs/api.md), /api/v1 on this origin.
// Every failure becomes an ApiError carrying the contract's {code, message, details}.
import { t } from './lib/i18n.js';

export class ApiError extends Error {
  /** @override */
  name = 'ApiError';
  /**
   * @param {number} status   HTTP status, 0 when the server could not be reached
   * @param {string} code     the contract's snake_case code
   * @param {string} message
   * @param {unknown} [details]
   * @param {number|null} [retryAfterSeconds]  from Retry-After on a 429
   */
  constructor(status, code, message, details, retryAfterSeconds = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class ApiClient {
  /**
   * @param {object} opts
   * @param {() => string|null} opts.getToken
   * @param {() => void} [opts.onUnauthorized]  a 401 on an authenticated call that a refresh could not cure: the session is over
   * @param {() => Promise<boolean>} [opts.refresh]  renews the access token; true when the call may be retried
   * @param {string} [opts.baseUrl]
   * @param {typeof fetch} [opts.fetch]
   */
  constructor({ getToken, onUnauthorized = () => {}, refresh = async () => false, baseUrl = '/api/v1', fetch: fetchImpl }) {
    this.getToken = getToken;
    this.onUnauthorized = onUnauthorized;
    this.refresh = refresh;
    this.baseUrl = baseUrl;
    // Called unbound: window.fetch throws "Illegal invocation" when called as this.fetch.
    /** @type {typeof fetch} */
    this.fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * @param {string} method
   * @param {string} path  under baseUrl, e.g. /users/me
   * @param {object} [opts]
   * @param {unknown} [opts.body]  sent as JSON
   * @param {Record<string, unknown>} [opts.query]  undefined, null and '' values are left out
   * @param {boolean} [opts.auth]  send the access token (default true)
   * @param {boolean} [opts.retried]  this is the one retry after a refresh
   * @returns {Promise<any>}  the parsed JSON body (its shape is the endpoint's), null for a 204
   */
  async request(method, path, { body, query, auth = true, retried = false } = {}) {
    const qs = query ? toQuery(query) : '';
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = auth ? this.getToken() : null;
    if (token) headers.authorization = `Bearer ${token}`;

    let res;
    try {
      res = await this.fetch(`${this.baseUrl}${path}${qs}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network_error', t('error.network'));
    }
    if (res.status === 204) return null;
    const data = await res.json().catch(() => null);
    if (res.ok) return data;

    const err = data?.error;
    const retryAfter = Number(res.headers.get('retry-after'));
    const apiError = new ApiError(
      res.status,
      typeof err?.code === 'string' ? err.code : `http_${res.status}`,
      typeof err?.message === 'string' ? err.message : fallbackMessage(res.status),
      err?.details,
      Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
    );
    if (res.status === 401 && auth && token) {
      // An expired access token is renewed once, silently, and the call made again.
      if (!retried && (await this.refresh().catch(() => false))) return this.request(method, path, { body, query, auth, retried: true });
      this.onUnauthorized();
    }
    throw apiError;
  }

  // Auth
  register(body) { return this.request('POST', '/auth/register', { body, auth: false }); }
  login(login, password) { return this.request('POST', '/auth/login', { body: { login, password }, auth: false }); }
  /** A new {accessToken, refreshToken} for a refresh token (single use). */
  refreshTokens(refreshToken) { return this.request('POST', '/auth/refresh', { body: { refreshToken }, auth: false }); }
  /** Ends the session of this refresh token on the server (its live sockets close with 4401). */
  logout(refreshToken) { return this.request('POST', '/auth/logout', { body: { refreshToken }, auth: false }); }

  // Users and the follow graph
  me() { return this.request('GET', '/users/me'); }
  updateMe(patch) { return this.request('PATCH', '/users/me', { body: patch }); }
  user(id) { return this.request('GET', `/users/${enc(id)}`); }
  searchUsers(query) { return this.request('GET', '/users', { query: { query } }); }
  follow(id) { return this.request('POST', `/users/${enc(id)}/follow`); }
  unfollow(id) { return this.request('DELETE', `/users/${enc(id)}/follow`); }
  followers(id, cursor, limit) { return this.request('GET', `/users/${enc(id)}/followers`, { query: { cursor, limit } }); }
  following(id, cursor, limit) { return this.request('GET', `/users/${enc(id)}/following`, { query: { cursor, limit } }); }

  // Content
  createPost(text) { return this.request('POST', '/posts', { body: { text } }); }
  post(id) { return this.request('GET', `/posts/${enc(id)}`); }
  userPosts(id, cursor) { return this.request('GET', `/users/${enc(id)}/posts`, { query: { cursor } }); }
  /**
   * The home feed: your posts and those of the people you follow, newest first, `{items, nextCursor}`.
   * @param {{cursor?: string|null, limit?: number}} [opts]
   */
  feed({ cursor, limit } = {}) { return this.request('GET', '/feed', { query: { cursor, limit } }); }
  /** Not in docs/api.md (post-service serves it); callers must cope with its absence. */
  comments(postId, cursor) { return this.request('GET', `/posts/${enc(postId)}/comments`, { query: { cursor, limit: 100 } }); }
  comment(postId, text) { return this.request('POST', `/posts/${enc(postId)}/comments`, { body: { text } }); }
  like(postId) { return this.request('POST', `/posts/${enc(postId)}/likes`); }
  unlike(postId) { return this.request('DELETE', `/posts/${enc(postId)}/likes`); }
  sendMessage(toUserId, text) { return this.request('POST', '/messages', { body: { toUserId, text } }); }

  // Notifications
  /** @param {{cursor?: string|null, limit?: number, unread?: boolean}} [opts] */
  notifications({ cursor, limit, unread } = {}) {
    return this.request('GET', '/notifications', { query: { cursor, limit, unread: unread ? 'true' : undefined } });
  }
  unreadCount() { return this.request('GET', '/notifications/unread-count'); }
  markRead(id) { return this.request('POST', `/notifications/${enc(id)}/read`); }
  markAllRead() { return this.request('POST', '/notifications/read-all'); }
  /** Per-channel delivery of one notification: `{id, channels: [{channel, status, reason?, attempts, ...}]}`. */
  deliveryStatus(id) { return this.request('GET', '/notifications/status', { query: { id } }); }
  preferences() { return this.request('GET', '/users/me/preferences'); }
  savePreferences(prefs) { return this.request('PUT', '/users/me/preferences', { body: prefs }); }
}

/**
 * Lists come back as `{items, nextCursor}`; a bare array is accepted too (search's shape is unspecified).
 * @param {any} data
 * @returns {{items: any[], nextCursor: string|null}}
 */
export function listOf(data) {
  if (Array.isArray(data)) return { items: data, nextCursor: null };
  return { items: Array.isArray(data?.items) ? data.items : [], nextCursor: data?.nextCursor ?? null };
}

/** @param {Record<string, unknown>} query */
function toQuery(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

/** @param {number} status */
function fallbackMessage(status) {
  if (status === 401) return t('error.unauthorized');
  if (status === 403) return t('error.forbidden');
  if (status === 404) return t('error.notFound');
  if (status === 413) return t('error.tooLarge');
  if (status === 429) return t('error.rateLimited');
  if (status === 503) return t('error.unavailable');
  return t('error.generic');
}
