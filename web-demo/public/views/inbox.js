// @ts-check
// The inbox (#/inbox): newest first, paged by nextCursor, an unread-only filter, mark one / all read.
// Rows are keyed by id and updated in place as live frames arrive.
import { h, uniqueId } from '../lib/dom.js';
import { createNotificationItem } from '../components/notification-item.js';
import { t } from '../lib/i18n.js';
import { errorMessage } from '../lib/errors.js';

/** @param {HTMLElement} root  @param {import('../app.js').AppContext} ctx  @param {import('../router.js').Route} route */
export function renderInbox(root, ctx, route) {
  const { store, center } = ctx;
  const unreadOnly = route.query.get('unread') === 'true';

  const filterId = uniqueId('unread-filter');
  const filter = h('input', { type: 'checkbox', id: filterId, testid: 'unread-filter', checked: unreadOnly });
  const markAll = h('button', { type: 'button', class: 'btn btn-ghost', testid: 'mark-all-read' }, t('inbox.markAllRead'));
  const list = h('ol', { class: 'notifs', testid: 'inbox-list', 'aria-label': t('inbox.label') });
  const empty = h('p', { class: 'muted empty', testid: 'inbox-empty', hidden: true });
  const status = h('p', { class: 'muted', role: 'status', testid: 'inbox-status' }, t('common.loading'));
  const more = h('button', { type: 'button', class: 'btn btn-ghost btn-block', testid: 'load-more', hidden: true }, t('inbox.loadOlder'));

  root.append(h('section', { class: 'page', testid: 'inbox' },
    h('div', { class: 'page-head' },
      h('h1', null, t('inbox.heading')),
      h('div', { class: 'row' }, h('label', { class: 'check', for: filterId }, filter, ' ', t('inbox.unreadOnly')), markAll)),
    status, list, empty, more));

  const rows = new Map();
  const handlers = {
    onMarkRead: (n) => center.markRead([n.id]).catch((err) => ctx.toasts.info(err.message, { tone: 'error' })),
    onOpen: (n) => {
      if (!n.readAt) handlers.onMarkRead(n);
    },
    loadDelivery: (n) => ctx.api.deliveryStatus(n.id),
  };

  const render = () => {
    const items = store.items();
    let prev = null;
    for (const n of items) {
      let row = rows.get(n.id);
      if (!row) {
        row = createNotificationItem(n, handlers);
        rows.set(n.id, row);
      } else {
        row.update(n);
      }
      const expected = prev ? prev.nextSibling : list.firstChild;
      if (row.el !== expected) list.insertBefore(row.el, expected);
      prev = row.el;
    }
    for (const [id, row] of rows) {
      if (!store.get(id)) {
        row.el.remove();
        rows.delete(id);
      }
    }
    empty.hidden = items.length > 0;
    empty.textContent = store.unreadOnly ? t('inbox.emptyUnread') : t('inbox.empty');
    more.hidden = !store.nextCursor;
    markAll.disabled = store.unreadCount === 0 && !items.some((n) => !n.readAt);
  };

  const load = async () => {
    status.textContent = t('common.loading');
    try {
      await center.load({ unreadOnly: filter.checked });
      status.textContent = '';
    } catch (err) {
      status.textContent = errorMessage(err);
    }
  };

  filter.addEventListener('change', () => {
    // Keep the filter in the URL so reload and back keep it, without re-rendering the page.
    history.replaceState(null, '', filter.checked ? '#/inbox?unread=true' : '#/inbox');
    load();
  });
  markAll.addEventListener('click', async () => {
    markAll.disabled = true;
    try {
      await center.markAllRead();
      status.textContent = t('inbox.allMarkedRead');
    } catch (err) {
      status.textContent = errorMessage(err);
    }
    render();
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await center.loadMore();
    } catch (err) {
      status.textContent = errorMessage(err);
    } finally {
      more.disabled = false;
    }
  });

  const off = store.subscribe((change) => {
    // A group successor takes over its predecessor's row, so the row is updated rather than swapped.
    for (const old of change.replaced ?? []) {
      const row = rows.get(old);
      if (row && !rows.has(change.id)) {
        rows.delete(old);
        rows.set(change.id, row);
      }
    }
    render();
  });
  load();
  return off;
}
