// @ts-check
// One inbox row. Built once per id and updated in place, so a grouped item whose count grows keeps
// its element (and the keyboard focus inside it). A "Delivery" disclosure shows, on demand, how the
// notification went out on each channel.
import { h, timeEl, uniqueId } from '../lib/dom.js';
import { headline, detail, iconFor, routeFor } from '../lib/notification-text.js';
import { channelLabel, channelStatusesOf, reasonText, statusLabel, statusTone } from '../lib/channels.js';
import { t, has, formatDate } from '../lib/i18n.js';
import { errorMessage } from '../lib/errors.js';

/**
 * @param {object} handlers
 * @param {(n: any) => void} handlers.onMarkRead
 * @param {(n: any) => void} handlers.onOpen
 * @param {(n: any) => Promise<any>} [handlers.loadDelivery]  the item's GET /notifications/status
 *   answer; without it the row has no Delivery disclosure
 */
export function createNotificationItem(n, handlers) {
  const li = h('li', { class: 'notif', testid: 'notification-item' });
  const icon = h('span', { class: 'notif-icon', 'aria-hidden': 'true' });
  const title = h('a', { class: 'notif-title', testid: 'notification-text' });
  const count = h('span', { class: 'notif-count', testid: 'notification-count', 'aria-hidden': 'true' });
  const body = h('p', { class: 'notif-body' });
  const meta = h('p', { class: 'notif-meta' });
  const markRead = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'mark-read' }, t('notif.markRead'));
  let current = n;
  const delivery = handlers.loadDelivery ? deliveryDisclosure(() => current, handlers.loadDelivery) : null;
  li.append(icon, h('div', { class: 'notif-main' }, h('div', { class: 'notif-head' }, title, count), body, meta, delivery?.el), markRead);

  title.addEventListener('click', () => handlers.onOpen(current));
  markRead.addEventListener('click', () => handlers.onMarkRead(current));

  const update = (next) => {
    // A group successor takes this row over: what was shown belonged to its predecessor.
    if (next.id !== current.id) delivery?.close();
    current = next;
    const unread = !next.readAt;
    const grouped = Number.isInteger(next.count) && next.count > 1;
    li.dataset.id = next.id;
    li.dataset.type = next.type ?? '';
    li.dataset.read = String(!unread);
    li.dataset.count = String(grouped ? next.count : 1);
    li.classList.toggle('is-unread', unread);
    li.classList.toggle('is-alert', next.priority === 'critical' || next.category === 'alert');
    icon.textContent = iconFor(next);
    title.textContent = headline(next);
    const route = routeFor(next);
    if (route) title.setAttribute('href', route);
    else title.removeAttribute('href');
    count.textContent = grouped ? `×${next.count}` : '';
    count.hidden = !grouped;
    const text = detail(next);
    body.textContent = text;
    body.hidden = !text;
    meta.replaceChildren(unread ? h('span', { class: 'sr-only' }, `${t('notif.unread')} `) : '', timeEl(next.createdAt) ?? '');
    markRead.hidden = !unread;
    markRead.setAttribute('aria-label', t('notif.markReadLabel', { title: headline(next) }));
    delivery?.toggle.setAttribute('aria-label', t('notif.deliveryLabel', { title: headline(next) }));
  };
  update(n);
  return { el: li, update };
}

/** A button that opens (and fetches, each time it opens) the per-channel delivery list below it. */
function deliveryDisclosure(current, load) {
  const panelId = uniqueId('delivery');
  const toggle = h('button', { type: 'button', class: 'btn btn-small btn-ghost delivery-toggle', testid: 'delivery-toggle', 'aria-expanded': 'false', 'aria-controls': panelId }, t('notif.delivery'));
  const panel = h('div', { id: panelId, class: 'delivery', testid: 'delivery-panel', 'aria-live': 'polite', hidden: true });
  let request = 0;
  const close = () => {
    request += 1;
    panel.hidden = true;
    panel.replaceChildren();
    toggle.setAttribute('aria-expanded', 'false');
  };
  const open = async () => {
    const n = current();
    const mine = ++request;
    panel.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    panel.replaceChildren(h('p', { class: 'muted' }, t('delivery.loading')));
    try {
      const channels = channelStatusesOf(await load(n), n.id);
      if (mine !== request) return;
      panel.replaceChildren(channels.length ? deliveryList(channels) : h('p', { class: 'muted', testid: 'delivery-empty' }, t('delivery.empty')));
    } catch (err) {
      if (mine !== request) return;
      panel.replaceChildren(h('p', { class: 'form-error', role: 'alert', testid: 'delivery-error' }, errorMessage(err)));
    }
  };
  toggle.addEventListener('click', () => (panel.hidden ? open() : close()));
  return { el: h('div', { class: 'delivery-wrap' }, toggle, panel), toggle, close };
}

function deliveryList(channels) {
  return h('ul', { class: 'delivery-list', 'aria-label': t('delivery.byChannel') }, channels.map((c) => {
    const attempts = Number.isInteger(c.attempts) ? c.attempts : null;
    const details = [
      reasonText(c.reason),
      attempts === null ? '' : t('delivery.attempts', { count: attempts }),
      c.provider ? t('delivery.via', { provider: c.provider }) : '',
      c.notBefore ? t('delivery.heldUntil', { date: formatDate(c.notBefore) }) : '',
      c.digest ? (has(`delivery.digest.${c.digest}`) ? t(`delivery.digest.${c.digest}`) : t('delivery.digestOther', { digest: c.digest })) : '',
    ].filter(Boolean);
    return h('li', { class: 'delivery-row', testid: `delivery-status-${c.channel}`, dataset: { channel: c.channel, status: c.status, ...(attempts === null ? {} : { attempts: String(attempts) }) } },
      h('span', { class: 'delivery-channel' }, channelLabel(c.channel)),
      h('span', { class: `delivery-badge tone-${statusTone(c.status)}`, testid: 'delivery-status-label' }, statusLabel(c.status)),
      details.length ? h('span', { class: 'delivery-detail' }, details.join(' · ')) : null,
      c.lastError ? h('span', { class: 'delivery-last-error' }, t('delivery.lastError', { error: c.lastError })) : null);
  }));
}
