// @ts-check
// Herald web demo: the composition root. Builds the API client, live socket, stores and views,
// and routes on the URL hash (#/inbox, #/people, #/u/<id>, #/p/<id>, #/settings).
import { ApiClient } from './api.js';
import { HeraldClient } from './vendor/herald-client.js';
import { Session, isExpired, secondsLeft } from './session.js';
import { InboxStore } from './inbox-store.js';
import { NotificationCenter } from './notification-center.js';
import { FollowState } from './lib/follow-state.js';
import { matchRoute } from './router.js';
import { h } from './lib/dom.js';
import { t, setLocale, onLocaleChange, translateStatic, browserLocale } from './lib/i18n.js';
import { Toasts } from './components/toasts.js';
import { ConnectionStatus } from './components/connection-status.js';
import { renderLogin, renderRegister } from './views/auth.js';
import { renderHome } from './views/home.js';
import { renderInbox } from './views/inbox.js';
import { renderPeople } from './views/people.js';
import { renderProfile } from './views/profile.js';
import { renderPost } from './views/post.js';
import { renderSettings } from './views/settings.js';

/** @type {Array<[name: string, pattern: string]>} */
const ROUTES = [
  ['home', '/'],
  ['login', '/login'],
  ['register', '/register'],
  ['inbox', '/inbox'],
  ['people', '/people'],
  ['me', '/me'],
  ['profile', '/u/:id'],
  ['post', '/p/:id'],
  ['settings', '/settings'],
];
/** @type {Set<string|null>} asked with a route's name, which is null for no route */
const PUBLIC_ROUTES = new Set(['login', 'register']);
const VIEWS = {
  home: renderHome,
  login: renderLogin,
  register: renderRegister,
  inbox: renderInbox,
  people: renderPeople,
  profile: renderProfile,
  post: renderPost,
  settings: renderSettings,
};
const TITLES = {
  home: () => t('title.home'),
  login: () => t('title.login'),
  register: () => t('title.register'),
  inbox: () => t('title.inbox'),
  people: () => t('title.people'),
  profile: () => t('title.profile'),
  post: () => t('title.post'),
  settings: () => t('title.settings'),
};
const NAV_OF = { home: 'home', inbox: 'inbox', people: 'people', profile: 'profile', settings: 'settings' };

// The page's frame, always in index.html (app.js is a module script: it runs once the page is parsed).
const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const bellCount = /** @type {HTMLElement} */ (document.querySelector('[data-testid="unread-count"]'));
const bell = /** @type {HTMLElement} */ (document.querySelector('[data-testid="bell"]'));
const whoami = /** @type {HTMLElement} */ (document.querySelector('[data-testid="current-user"]'));
/** The header links and buttons shown only to someone signed in. */
const signedInOnly = () => /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-signed-in-only]'));

const session = new Session();
const api = new ApiClient({
  getToken: () => session.token,
  refresh: () => refreshSession(),
  onUnauthorized: () => signOut(t('session.ended')),
});
const store = new InboxStore();
// The live socket is @herald/client (docs/client.md), the same SDK an app on a phone would use.
const live = new HeraldClient({ url: socketUrl, getToken: liveToken });
const toasts = new Toasts(/** @type {HTMLElement} */ (document.querySelector('.toast-stack')), {
  onOpen: (n) => center.markRead([n.id]).catch(() => {}),
});
const center = new NotificationCenter({ api, live, store, toasts });
const follows = new FollowState(api, () => session.user?.id);
const connection = new ConnectionStatus(/** @type {HTMLElement} */ (document.querySelector('[data-testid="connection-status"]')));

/**
 * What every view and component is given.
 * @typedef {object} AppContext
 * @property {ApiClient} api
 * @property {Session} session
 * @property {InboxStore} store
 * @property {HeraldClient} live
 * @property {NotificationCenter} center
 * @property {Toasts} toasts
 * @property {FollowState} follows
 * @property {typeof signIn} signIn
 * @property {typeof signOut} signOut
 */
/** @type {AppContext} */
const ctx = { api, session, store, live, center, toasts, follows, signIn, signOut };

let detachCenter = null;
let disposeView = null;
let afterLogin = null;
let unreadTitle = '';

function socketUrl() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws`;
}

/**
 * The token for the next socket (the SDK sends it as the subprotocol bearer.<token>, never in the
 * URL). After a 4401 close, or with an access token already expired (a reload after a while), the
 * session is renewed first; when it cannot be, the person is signed out and no socket opens.
 */
async function liveToken({ reason }) {
  if (reason === 'unauthorized' || (session.token && isExpired(session.token))) {
    if (!(await refreshSession())) {
      signOut(t('session.ended'));
      throw new Error('the session has ended');
    }
  }
  if (!session.token) throw new Error('signed out');
  return session.token;
}

// Access tokens are short-lived: renewed a minute before they expire (and on a 401 or a 4401 close),
// silently, by one tab at a time.
let refreshTimer = null;
let refreshing = null;

function refreshSession() {
  refreshing ??= session
    .refresh((refreshToken) => api.refreshTokens(refreshToken))
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = null;
  if (!session.refreshToken || !session.token) return;
  const left = secondsLeft(session.token);
  if (left === null) return;
  const inMs = Math.max(5_000, (left - 60) * 1000);
  refreshTimer = setTimeout(() => {
    refreshSession()
      .then((ok) => (ok ? undefined : signOut(t('session.ended'))))
      .catch(() => scheduleRefresh());
  }, inMs);
}

function startSession() {
  for (const el of signedInOnly()) el.hidden = false;
  renderWhoami();
  detachCenter ??= center.attach();
  scheduleRefresh();
  // liveToken renews an expired access token (a reload after a while) before the socket tries it.
  live.start();
  // Refresh who we are; a 401 here signs out through onUnauthorized.
  api.me().then((me) => session.setUser({ ...session.user, ...(me?.user ?? me) })).catch(() => {});
}

function signIn(token, user, refreshToken) {
  session.set(token, user, refreshToken);
  follows.reset();
  startSession();
  const target = afterLogin && !afterLogin.startsWith('#/login') && !afterLogin.startsWith('#/register') ? afterLogin : '#/';
  afterLogin = null;
  location.hash = target;
}

function signOut(message) {
  // Several requests in flight can each get a 401; only the first one signs out.
  if (!session.signedIn && !live.started) {
    if (location.hash !== '#/login' && location.hash !== '#/register') location.hash = '#/login';
    return;
  }
  // The server ends the session too (its refresh token stops working, its sockets close); best effort.
  if (session.refreshToken) api.logout(session.refreshToken).catch(() => {});
  clearTimeout(refreshTimer);
  refreshTimer = null;
  live.reset();
  detachCenter?.();
  detachCenter = null;
  center.reset();
  toasts.clear();
  follows.reset();
  session.clear();
  for (const el of signedInOnly()) el.hidden = true;
  if (message) toasts.info(message);
  location.hash = '#/login';
}

function renderWhoami() {
  const u = session.user;
  whoami.textContent = u ? `@${u.username}` : '';
}

function renderBell() {
  const n = store.unreadCount;
  bellCount.textContent = String(n);
  bellCount.dataset.count = String(n);
  bell.classList.toggle('has-unread', n > 0);
  bell.setAttribute('aria-label', n ? t('bell.unread', { count: n }) : t('bell.none'));
  unreadTitle = n ? `(${n > 99 ? '99+' : n}) ` : '';
  document.title = `${unreadTitle}${document.title.replace(/^\(\d+\+?\) /, '')}`;
}

function render() {
  const route = matchRoute(location.hash, ROUTES);
  if (!session.signedIn && !PUBLIC_ROUTES.has(route.name)) {
    afterLogin = location.hash || null;
    location.replace('#/login');
    return;
  }
  if (session.signedIn && PUBLIC_ROUTES.has(route.name)) {
    location.replace('#/');
    return;
  }
  if (route.name === 'me') {
    location.replace(`#/u/${encodeURIComponent(session.user?.id ?? '')}`);
    return;
  }

  disposeView?.();
  disposeView = null;
  main.replaceChildren();
  const view = VIEWS[route.name];
  if (view) {
    const result = view(main, ctx, route);
    if (typeof result === 'function') disposeView = result;
  } else {
    main.append(h('section', { class: 'page' }, h('h1', null, t('title.notFound')), h('p', null, h('a', { href: '#/' }, t('notFound.goHome')))));
  }

  const isMe = route.name === 'profile' && route.params.id === session.user?.id;
  const current = route.name === 'profile' ? (isMe ? 'profile' : null) : NAV_OF[route.name];
  for (const a of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-nav]'))) {
    if (current && a.dataset.nav === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${unreadTitle}${TITLES[route.name]?.() ?? t('title.notFound')} · Herald`;
  // Move focus into the new view for keyboard and screen-reader users, unless the view chose a field.
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

// Live wiring
live.on('status', (s) => connection.show(s));
let failedConnects = 0;
live.on('connect_failed', () => {
  // A refused upgrade (401) looks like any other failure from a browser; ask HTTP whether the token is
  // still good on the first failure of a streak and every fifth after it.
  if (failedConnects++ % 5 === 0) api.me().catch(() => {});
});
live.on('hello', () => {
  failedConnects = 0;
});
// A 4401 close needs nothing here: the SDK asks liveToken for a renewed token and reconnects.
live.on('error', ({ code, message }) => {
  // No token (signed out, or the renewal failed and is retried with the reconnect): nothing to show.
  if (code === 'token_unavailable') return;
  console.warn('live error frame', code, message);
  toasts.info(t('live.error', { message: message ?? code }), { tone: 'error' });
});
store.subscribe(({ kind }) => {
  if (kind === 'count') renderBell();
});
window.addEventListener('online', () => live.reconnectNow());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') live.reconnectNow();
});
let signedInAs = session.user?.id ?? null;
session.onChange(() => {
  renderWhoami();
  // Another tab signed out, or in as someone else: follow it. A refreshed token (this tab's or
  // another's) only moves the renewal timer.
  if (!session.signedIn && live.started) signOut();
  else if (session.user?.id && signedInAs && session.user.id !== signedInAs) location.reload();
  else if (session.signedIn) scheduleRefresh();
  signedInAs = session.user?.id ?? signedInAs;
  applyLocale();
});
/** @type {HTMLElement} */ (document.querySelector('[data-testid="logout"]')).addEventListener('click', () => signOut());
window.addEventListener('hashchange', render);

// The language: the signed-in person's profile locale, else the browser's. Saving another locale on
// the profile (here or in another tab: the session follows the stored user) re-renders everything.
function applyLocale() {
  setLocale((session.signedIn && session.user?.locale) || browserLocale());
}
onLocaleChange(() => {
  translateStatic();
  connection.refresh();
  renderBell();
  // Signing out changes the language too, and then goes to the login page itself.
  if (session.signedIn || PUBLIC_ROUTES.has(matchRoute(location.hash, ROUTES).name)) render();
});

applyLocale();
translateStatic();
connection.refresh();
renderBell();
if (session.signedIn) startSession();
render();
