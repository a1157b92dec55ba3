// One inbox row. Built once per id and updated in place, so a grouped item whose count grows keeps
// its element (and the keyboard focus inside it).
import { h, timeEl } from '../lib/dom.js';
import { headline, detail, iconFor, routeFor } from '../lib/notification-text.js';

/**
 * @param {object} handlers
 * @param {(n: any) => void} handlers.onMarkRead
 * @param {(n: any) => void} handlers.onOpen
 */
export function createNotificationItem(n, handlers) {
  const li = h('li', { class: 'notif', testid: 'notification-item' });
  const icon = h('span', { class: 'notif-icon', 'aria-hidden': 'true' });
  const title = h('a', { class: 'notif-title', testid: 'notification-text' });
  const count = h('span', { class: 'notif-count', testid: 'notification-count', 'aria-hidden': 'true' });
  const body = h('p', { class: 'notif-body' });
  const meta = h('p', { class: 'notif-meta' });
  const markRead = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'mark-read' }, 'Mark read');
  li.append(icon, h('div', { class: 'notif-main' }, h('div', { class: 'notif-head' }, title, count), body, meta), markRead);

  let current = n;
  title.addEventListener('click', () => handlers.onOpen(current));
  markRead.addEventListener('click', () => handlers.onMarkRead(current));

  const update = (next) => {
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
    meta.replaceChildren(unread ? h('span', { class: 'sr-only' }, 'Unread. ') : '', timeEl(next.createdAt) ?? '');
    markRead.hidden = !unread;
    markRead.setAttribute('aria-label', `Mark read: ${headline(next)}`);
  };
  update(n);
  return { el: li, update };
}
