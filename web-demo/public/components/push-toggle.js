// @ts-check
// The settings card "Push notifications on this device": the one place the browser's notification
// permission is asked for (only when switched on). Its state is this browser's own: a subscription
// the server knows about. data-state on the card: checking, on, off, working, blocked, unsupported.
import { h, uniqueId } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { errorCode, errorMessage } from '../lib/errors.js';
import { currentSubscription, disablePush, enablePush, ensurePushChannel, pushSupport, registeredEntry } from '../lib/web-push.js';

/**
 * @param {{api: import('../api.js').ApiClient}} ctx
 * @param {{onChannelEnabled?: () => void}} [opts]  told when switching on also turned the push channel on in the preferences
 */
export function pushToggle(ctx, { onChannelEnabled } = {}) {
  const headingId = uniqueId('push');
  const inputId = uniqueId('push-toggle');
  const toggle = h('input', { type: 'checkbox', id: inputId, testid: 'push-toggle', disabled: true, 'aria-describedby': `${inputId}-status` });
  const status = h('p', { class: 'hint', id: `${inputId}-status`, testid: 'push-status', role: 'status' }, t('push.checking'));
  const card = h('section', { class: 'card push-card', testid: 'push-card', 'aria-labelledby': headingId, dataset: { state: 'checking' } },
    h('h2', { id: headingId }, t('push.heading')),
    h('label', { class: 'check', for: inputId }, toggle, ' ', t('push.toggle')),
    status);

  /**
   * @param {string} state  the card's data-state
   * @param {string} message
   * @param {{checked?: boolean, enabled?: boolean, alert?: boolean}} [opts]
   */
  const show = (state, message, { checked = toggle.checked, enabled = true, alert = false } = {}) => {
    card.dataset.state = state;
    toggle.checked = checked;
    toggle.disabled = !enabled;
    status.textContent = message;
    status.setAttribute('role', alert ? 'alert' : 'status');
  };
  const blocked = () => show('blocked', t('push.blocked'), { checked: false, enabled: false });

  (async () => {
    const support = pushSupport();
    if (support === 'unsupported') return show('unsupported', t('push.unsupported'), { checked: false, enabled: false });
    if (support === 'insecure') return show('unsupported', t('push.insecure'), { checked: false, enabled: false });
    if (support === 'denied') return blocked();
    const subscription = support === 'granted' ? await currentSubscription() : null;
    const entry = subscription ? await registeredEntry(ctx.api, subscription) : null;
    if (entry) show('on', t('push.reachable'), { checked: true });
    else show('off', t('push.offer'), { checked: false });
  })().catch((err) => show('off', t('push.checkFailed', { error: err?.message ?? String(err) }), { checked: false, alert: true }));

  toggle.addEventListener('change', async () => {
    const wanted = toggle.checked;
    show('working', wanted ? t('push.switchingOn') : t('push.switchingOff'), { enabled: false });
    try {
      if (wanted) {
        await enablePush(ctx.api);
        if (await ensurePushChannel(ctx.api)) onChannelEnabled?.();
        show('on', t('push.isOn'), { checked: true });
      } else {
        await disablePush(ctx.api);
        show('off', t('push.isOff'), { checked: false });
      }
    } catch (err) {
      if (errorCode(err) === 'denied') return blocked();
      show(wanted ? 'off' : 'on', errorMessage(err), { checked: !wanted, alert: true });
    }
  });

  return card;
}
