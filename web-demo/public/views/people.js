// @ts-check
// Find people by username prefix (GET /api/v1/users?query=) and follow or unfollow them.
import { h, field } from '../lib/dom.js';
import { listOf } from '../api.js';
import { followButton } from '../components/follow-button.js';
import { t } from '../lib/i18n.js';
import { errorMessage } from '../lib/errors.js';

const DEBOUNCE_MS = 250;

/** @param {any} user  @param {import('../app.js').AppContext} ctx */
export function personRow(user, ctx) {
  const me = ctx.session.user?.id === user.id;
  return h('li', { class: 'person', testid: 'person-result', dataset: { userId: user.id, username: user.username ?? '' } },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, initial(user)),
    h('div', { class: 'person-main' },
      h('a', { href: `#/u/${encodeURIComponent(user.id)}`, testid: 'person-link', class: 'person-name' }, user.displayName || user.username),
      h('span', { class: 'muted' }, ` @${user.username}`)),
    me ? h('span', { class: 'muted' }, t('people.you')) : followButton(user, ctx));
}

export function initial(user) {
  return (user?.displayName || user?.username || '?').trim().charAt(0).toUpperCase();
}

/** @param {HTMLElement} root  @param {import('../app.js').AppContext} ctx  @param {import('../router.js').Route} route */
export function renderPeople(root, ctx, route) {
  const input = h('input', { type: 'search', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: t('people.placeholder') });
  const results = h('ul', { class: 'people', testid: 'people-results', 'aria-live': 'polite', 'aria-busy': 'false' });
  const status = h('p', { class: 'muted', testid: 'people-status', role: 'status' });
  const form = h('form', { role: 'search', class: 'card', testid: 'people-search-form' },
    field({ label: t('people.searchLabel'), name: 'query', testid: 'people-search', control: input }));

  let seq = 0;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  const search = async () => {
    const query = input.value.trim().replace(/^@/, '');
    const mine = ++seq;
    if (!query) {
      results.replaceChildren();
      status.textContent = t('people.typeFirst');
      return;
    }
    results.setAttribute('aria-busy', 'true');
    try {
      const [data] = await Promise.all([ctx.api.searchUsers(query), ctx.follows.ready()]);
      if (mine !== seq) return; // a newer query is on its way
      const { items } = listOf(data);
      results.replaceChildren(...items.map((u) => personRow(u, ctx)));
      status.textContent = items.length ? t('people.found', { count: items.length }) : t('people.noMatch', { query });
    } catch (err) {
      if (mine === seq) status.textContent = errorMessage(err);
    } finally {
      if (mine === seq) results.setAttribute('aria-busy', 'false');
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    search();
  });

  root.append(h('section', { class: 'page' }, h('h1', null, t('people.heading')), form, status, results));
  input.value = route.query.get('q') ?? '';
  search();
  input.focus();
  return () => clearTimeout(timer);
}
