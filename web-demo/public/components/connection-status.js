// Shows the LiveClient's state in the header ("Live", "Reconnecting…", "Back online, caught up").
// The element is a role=status live region, so screen readers hear each change once.

const TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  catching_up: 'Back online, catching up…',
  caught_up: 'Back online, caught up',
  stopped: 'Offline',
};
const CAUGHT_UP_SHOWN_MS = 5000;

export class ConnectionStatus {
  /** @param {HTMLElement} el  the [data-testid=connection-status] element */
  constructor(el) {
    this.el = el;
    this.text = el.querySelector('.conn-text');
    this.revertTimer = null;
    this.countdownTimer = null;
  }

  /** @param {{state: string, retryInMs?: number}} status */
  show({ state, retryInMs }) {
    clearTimeout(this.revertTimer);
    clearInterval(this.countdownTimer);
    this.el.dataset.state = state;
    this.text.textContent = TEXT[state] ?? state;
    this.el.title = state === 'reconnecting' && retryInMs ? `Retrying in ${Math.ceil(retryInMs / 1000)} s` : '';
    if (state === 'reconnecting' && !navigator.onLine) this.el.title = 'Your device is offline';
    if (state === 'caught_up') {
      this.revertTimer = setTimeout(() => this.show({ state: 'live' }), CAUGHT_UP_SHOWN_MS);
    }
  }
}
