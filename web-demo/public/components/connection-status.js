// @ts-check
// Shows the live socket's state (@herald/client's status events) in the header ("Live", "Reconnecting…", "Back online, caught up").
// The element is a role=status live region, so screen readers hear each change once.
import { t } from '../lib/i18n.js';

const TEXT = {
  connecting: () => t('conn.connecting'),
  live: () => t('conn.live'),
  reconnecting: () => t('conn.reconnecting'),
  catching_up: () => t('conn.catchingUp'),
  caught_up: () => t('conn.caughtUp'),
  stopped: () => t('conn.stopped'),
};
const CAUGHT_UP_SHOWN_MS = 5000;

export class ConnectionStatus {
  /** @param {HTMLElement} el  the [data-testid=connection-status] element */
  constructor(el) {
    this.el = el;
    this.text = /** @type {HTMLElement} */ (el.querySelector('.conn-text')); // in index.html
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.revertTimer = undefined;
    /** @type {{state: string, retryInMs?: number}} */
    this.last = { state: el.dataset.state || 'stopped' };
  }

  /** Says the current state again, in the current language (the state and its timers are kept). */
  refresh() {
    this.text.textContent = TEXT[this.last.state]?.() ?? this.last.state;
    this.el.title = this.titleOf(this.last);
  }

  /** @param {{state: string, retryInMs?: number}} status */
  titleOf({ state, retryInMs }) {
    if (state !== 'reconnecting') return '';
    if (!navigator.onLine) return t('conn.deviceOffline');
    return retryInMs ? t('conn.retryIn', { seconds: Math.ceil(retryInMs / 1000) }) : '';
  }

  /** @param {{state: string, retryInMs?: number}} status */
  show({ state, retryInMs }) {
    clearTimeout(this.revertTimer);
    this.el.dataset.state = state;
    this.last = { state, retryInMs };
    this.refresh();
    if (state === 'caught_up') {
      this.revertTimer = setTimeout(() => this.show({ state: 'live' }), CAUGHT_UP_SHOWN_MS);
    }
  }
}
