// @ts-check
// One toast per new notification. A later version of the same notification (a grouped item whose
// count grew) refreshes its toast if that toast is still showing, and never adds a second one.
import { h } from '../lib/dom.js';
import { headline, detail, iconFor, routeFor } from '../lib/notification-text.js';
import { t } from '../lib/i18n.js';

const SHOWN_MS = 6000;
const MAX_SHOWN = 4;

/** @typedef {{el: HTMLElement, timer: ReturnType<typeof setTimeout>|undefined}} ToastEntry */

export class Toasts {
  /**
   * @param {HTMLElement} stack  the aria-live container
   * @param {{onOpen?: (n: any) => void}} [opts]  told when a toast's link is followed
   */
  constructor(stack, { onOpen } = {}) {
    this.stack = stack;
    this.onOpen = onOpen ?? (() => {});
    /** @type {Map<string, ToastEntry>} */
    this.shown = new Map();
  }

  /** A notification the tab had never seen. */
  add(n) {
    if (this.shown.has(n.id)) return this.refresh(n);
    const el = h('div', { class: 'toast', testid: 'toast', dataset: { notificationId: n.id } });
    this.fill(el, n);
    this.stack.append(el);
    /** @type {ToastEntry} */
    const entry = { el, timer: undefined };
    this.shown.set(n.id, entry);
    this.arm(n.id);
    // Pause while the pointer or focus is on the toast, so it can be read and used.
    el.addEventListener('mouseenter', () => clearTimeout(entry.timer));
    el.addEventListener('mouseleave', () => this.arm(el.dataset.notificationId));
    el.addEventListener('focusin', () => clearTimeout(entry.timer));
    el.addEventListener('focusout', () => this.arm(el.dataset.notificationId));
    while (this.shown.size > MAX_SHOWN) this.dismiss(this.shown.keys().next().value);
  }

  /**
   * A known notification changed, or a successor replaced `replaced` ids: update the toast only if
   * one is on screen (re-keyed to the new id), never add one.
   */
  refresh(n, replaced = []) {
    let entry = this.shown.get(n.id);
    for (const old of replaced) {
      const previous = this.shown.get(old);
      if (!previous) continue;
      this.shown.delete(old);
      if (entry) {
        this.dismissEntry(previous);
      } else {
        entry = previous;
        this.shown.set(n.id, entry);
        entry.el.dataset.notificationId = n.id;
      }
    }
    if (!entry) return;
    this.fill(entry.el, n);
    this.arm(n.id);
  }

  /**
   * A plain message (an error frame, a saved form) in the same region.
   * @param {string} text
   * @param {{tone?: 'info'|'error'}} [opts]
   */
  info(text, { tone = 'info' } = {}) {
    const id = `info-${Date.now()}-${Math.random()}`;
    const el = h('div', { class: `toast toast-${tone}`, testid: 'toast', role: tone === 'error' ? 'alert' : null },
      h('p', { class: 'toast-title' }, text),
      h('button', { type: 'button', class: 'toast-close', 'aria-label': t('toast.dismiss'), testid: 'toast-dismiss', onclick: () => this.dismiss(id) }, '×'));
    this.stack.append(el);
    this.shown.set(id, { el, timer: undefined });
    this.arm(id);
  }

  fill(el, n) {
    const route = routeFor(n);
    const body = detail(n);
    const count = Number.isInteger(n.count) && n.count > 1 ? n.count : null;
    el.dataset.count = String(count ?? 1);
    el.replaceChildren(
      h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, iconFor(n)),
      h('div', { class: 'toast-main' },
        route
          ? h('a', { class: 'toast-title', href: route, onclick: () => { this.onOpen(n); this.dismiss(n.id); } }, headline(n))
          : h('p', { class: 'toast-title' }, headline(n)),
        body ? h('p', { class: 'toast-body' }, body) : null),
      h('button', { type: 'button', class: 'toast-close', 'aria-label': t('toast.dismiss'), testid: 'toast-dismiss', onclick: () => this.dismiss(n.id) }, '×'),
    );
  }

  arm(id) {
    const entry = this.shown.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.dismiss(id), SHOWN_MS);
  }

  dismiss(id) {
    const entry = this.shown.get(id);
    if (!entry) return;
    this.shown.delete(id);
    this.dismissEntry(entry);
  }

  dismissEntry(entry) {
    clearTimeout(entry.timer);
    entry.el.classList.add('toast-leaving');
    setTimeout(() => entry.el.remove(), 180);
  }

  clear() {
    for (const id of [...this.shown.keys()]) this.dismiss(id);
  }
}
