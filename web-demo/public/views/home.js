// @ts-check
// Home (#/): the composer and the home feed, your posts and those of the people you follow, newest
// first (GET /feed), with "Load more" by cursor. While it is open, a followed person's new post
// arrives as a `post` notification over the socket; the feed then offers "N new posts — show",
// which fetches the newest page and merges it by id (the list is not reshuffled under the reader).
import { h } from '../lib/dom.js';
import { errorMessage } from '../lib/errors.js';
import { t, tParts } from '../lib/i18n.js';
import { listOf } from '../api.js';
import { composer } from '../components/composer.js';
import { postCard } from '../components/post-card.js';
import { FeedStore, announcedPostId } from '../feed-store.js';

const PAGE_SIZE = 20;

/** @param {HTMLElement} root  @param {import('../app.js').AppContext} ctx */
export function renderHome(root, ctx) {
  const me = ctx.session.user;
  const store = new FeedStore();
  const cards = new Map();
  let disposed = false;

  const list = h('div', { class: 'posts', testid: 'feed-list', 'aria-label': t('feed.label') });
  const status = h('p', { class: 'muted', role: 'status', testid: 'feed-status' }, t('feed.loading'));
  const empty = h('div', { class: 'card tips', testid: 'feed-empty', hidden: true },
    h('h2', null, t('feed.emptyTitle')),
    h('p', { class: 'muted' }, t('feed.emptyLead')),
    h('ul', null,
      h('li', null, tParts('feed.tipFollow', { people: h('a', { href: '#/people' }, t('feed.findPeople')) })),
      h('li', null, t('feed.tipMention')),
      h('li', null, tParts('feed.tipInbox', { inbox: h('a', { href: '#/inbox' }, t('feed.inboxLink')) })),
      h('li', null, tParts('feed.tipSettings', { settings: h('a', { href: '#/settings' }, t('feed.settingsLink')) }))));
  const more = h('button', { type: 'button', class: 'btn btn-ghost btn-block', testid: 'feed-load-more', hidden: true }, t('common.loadMore'));
  const bannerButton = h('button', { type: 'button', class: 'feed-banner', testid: 'feed-new-posts' });
  // Announced politely: the count changes as posts arrive, the reader decides when to look.
  const banner = h('div', { class: 'feed-banner-wrap', 'aria-live': 'polite', hidden: true }, bannerButton);

  root.append(h('section', { class: 'page', testid: 'home' },
    h('div', { class: 'page-head' },
      h('h1', null, t('home.heading')),
      me ? h('p', { class: 'muted' }, t('home.hello', { name: me.displayName || me.username })) : null),
    composer(ctx, {
      onPosted: (post) => {
        store.prepend({ author: me, ...post });
        render();
      },
    }),
    banner,
    status,
    list,
    more,
    empty));

  function render() {
    let prev = null;
    for (const post of store.items()) {
      let card = cards.get(post.id);
      if (!card) {
        card = postCard(post, ctx, { author: me });
        cards.set(post.id, card);
      }
      const expected = prev ? prev.nextSibling : list.firstChild;
      if (card !== expected) list.insertBefore(card, expected);
      prev = card;
    }
    for (const [id, card] of cards) {
      if (!store.has(id)) {
        card.remove();
        cards.delete(id);
      }
    }
    empty.hidden = !store.loaded || store.order.length > 0;
    more.hidden = !store.nextCursor;
    renderBanner();
  }

  function renderBanner() {
    const n = store.pending.size;
    banner.hidden = n === 0;
    bannerButton.textContent = t('feed.newPosts', { count: n });
    bannerButton.dataset.count = String(n);
  }

  async function load() {
    try {
      const page = listOf(await ctx.api.feed({ limit: PAGE_SIZE }));
      if (disposed) return;
      store.reset(page);
      status.textContent = '';
      render();
    } catch (err) {
      if (!disposed) status.textContent = errorMessage(err);
    }
  }

  more.addEventListener('click', async () => {
    if (!store.nextCursor) return;
    more.disabled = true;
    try {
      const page = listOf(await ctx.api.feed({ cursor: store.nextCursor, limit: PAGE_SIZE }));
      if (disposed) return;
      store.addPage(page);
      render();
    } catch (err) {
      status.textContent = errorMessage(err);
    } finally {
      more.disabled = false;
    }
  });

  bannerButton.addEventListener('click', async () => {
    bannerButton.disabled = true;
    try {
      const page = listOf(await ctx.api.feed({ limit: PAGE_SIZE }));
      if (disposed) return;
      const fresh = store.mergeNewest(page);
      // What was announced is shown now, or will be once it reaches the feed: the count starts over.
      store.clearPending();
      status.textContent = '';
      render();
      const first = fresh.length ? cards.get(fresh[0]) : null;
      const still = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
      (first ?? list).scrollIntoView?.({ block: 'start', behavior: still ? 'auto' : 'smooth' });
    } catch (err) {
      status.textContent = errorMessage(err);
    } finally {
      bannerButton.disabled = false;
    }
  });

  // Mentions by people you follow count as their posts: the follow list decides, loaded once per session.
  ctx.follows.ready();
  const off = ctx.live.on('notification', ({ notification, isNew }) => {
    if (!isNew) return;
    const postId = announcedPostId(notification, (user) => ctx.follows.isFollowing(user));
    if (store.announce(postId)) renderBanner();
  });

  load();
  root.querySelector('textarea')?.focus();
  return () => {
    disposed = true;
    off();
  };
}
