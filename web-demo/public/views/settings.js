// @ts-check
// Notification settings (#/settings): where Herald may reach you (the phone number is the profile's,
// saved with PATCH /api/v1/users/me), then the preferences: channels and the Slack webhook, per-type
// overrides, frequency and digest hour, quiet hours and time zone, saved whole with
// PUT /api/v1/users/me/preferences.
import { h, field, mount, uniqueId } from '../lib/dom.js';
import { showFormError, clearFormErrors } from '../lib/form-errors.js';
import { CHANNELS, DEFAULT_CHANNELS, adoptServerChannels, channelLabel, hasBounced } from '../lib/channels.js';
import { t, tParts, has } from '../lib/i18n.js';
import { errorMessage, errorStatus } from '../lib/errors.js';
import { pushToggle } from '../components/push-toggle.js';

export { CHANNELS };
export const FREQUENCIES = ['instant', 'daily', 'weekly'];
/** [frequency, label] in the current language. */
const frequencyOptions = () => FREQUENCIES.map((f) => [f, t(`frequency.${f}`)]);
/** A notification type's name, or the type itself when the catalogs do not know it. */
const typeLabel = (type) => (has(`type.${type}`) ? t(`type.${type}`) : type);
export const TYPES = ['follow', 'post', 'comment', 'like', 'mention', 'message', 'alert', 'reminder', 'system'];
export const DIGEST_HOURS = Array.from({ length: 24 }, (_, hour) => hour);
const DEFAULTS = { channels: DEFAULT_CHANNELS, types: {}, frequency: 'instant', digestHour: 8, slackWebhookUrl: null };
/** Where the dev outbox lives: what embedded Herald would have sent by email, SMS and Slack. */
export const DEV_OUTBOX_URL = '/dev/outbox';

/**
 * Reads the form back into the contract's body; "Default" overrides are left out.
 * @param {HTMLFormElement} form  built by preferencesForm, which names every control read here
 * @param {string[]} types
 */
export function readPreferences(form, types) {
  // Every name read here is one control of the form (no radio groups), never missing.
  /** Whether the checkbox `name` is ticked. @param {string} name */
  const checked = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).checked;
  /** The value of the <input> or <select> `name`. @param {string} name */
  const valueOf = (name) => /** @type {HTMLInputElement|HTMLSelectElement} */ (form.elements.namedItem(name)).value;
  const channels = Object.fromEntries(CHANNELS.map(([c]) => [c, checked(`channels.${c}`)]));
  /** @type {Record<string, Record<string, boolean|string>>} */
  const overrides = {};
  for (const type of types) {
    /** @type {Record<string, boolean|string>} */
    const o = {};
    for (const [c] of CHANNELS) {
      const v = valueOf(`types.${type}.${c}`);
      if (v) o[c] = v === 'on';
    }
    const f = valueOf(`types.${type}.frequency`);
    if (f) o.frequency = f;
    if (Object.keys(o).length) overrides[type] = o;
  }
  /** @type {{channels: Record<string, boolean>, types: typeof overrides, frequency: string, quietHours?: {start: string, end: string}, timezone?: string, digestHour?: number, slackWebhookUrl?: string|null}} */
  const body = { channels, types: overrides, frequency: valueOf('frequency') };
  if (checked('quietEnabled')) {
    body.quietHours = { start: valueOf('quietHours.start'), end: valueOf('quietHours.end') };
  }
  const tz = valueOf('timezone').trim();
  if (tz) body.timezone = tz;
  body.digestHour = Number(valueOf('digestHour'));
  // An empty box removes the webhook.
  body.slackWebhookUrl = valueOf('slackWebhookUrl').trim() || null;
  return body;
}

/** @param {HTMLElement} root  @param {import('../app.js').AppContext} ctx */
export async function renderSettings(root, ctx) {
  const page = h('section', { class: 'page', testid: 'settings' }, h('h1', null, t('settings.heading')), h('p', { class: 'muted' }, t('common.loading')));
  root.append(page);
  // The profile only adds the contact card: the preferences do not wait for it or fail with it.
  const me = ctx.api.me().then((res) => res?.user ?? res, (err) => ({ error: err }));
  let prefs;
  try {
    const res = await ctx.api.preferences();
    prefs = { ...DEFAULTS, ...(res?.preferences ?? res) };
    adoptServerChannels(Object.keys(prefs.channels ?? {}));
  } catch (err) {
    if (errorStatus(err) !== 404) {
      mount(page, h('h1', null, t('settings.heading')), h('p', { class: 'form-error', role: 'alert' }, errorMessage(err)));
      return;
    }
    prefs = DEFAULTS;
  }
  const types = [...new Set([...TYPES, ...Object.keys(prefs.types ?? {})])];
  const user = await me;
  if (user && !user.error) ctx.session.setUser({ ...ctx.session.user, ...user });
  const form = preferencesForm(prefs, types, ctx);
  // Switching push on for this device also switches the push channel on: tick its box to match.
  const onChannelEnabled = () => {
    const box = form.elements.namedItem('channels.push');
    if (box instanceof HTMLInputElement) box.checked = true;
  };
  mount(page, h('h1', null, t('settings.heading')), contactCard(user, ctx), pushToggle(ctx, { onChannelEnabled }), form, devOutbox());
}

/** A note next to an address the server knows does not take messages. */
function bouncedNote(user, name, testid) {
  return hasBounced(user, name) ? h('p', { class: 'bounced', testid }, t('settings.bounced')) : null;
}

/**
 * Where messages go: the account's email (changed on the profile) and the phone number for SMS.
 * @param {any} user  the profile, or {error} when it could not be read
 * @param {import('../app.js').AppContext} ctx
 */
function contactCard(user, ctx) {
  const headingId = uniqueId('contact');
  if (!user || user.error) {
    return h('section', { class: 'card', testid: 'contact-card', 'aria-labelledby': headingId },
      h('h2', { id: headingId }, t('contact.heading')),
      h('p', { class: 'form-error', role: 'alert' }, user?.error?.message ?? t('contact.loadFailed')));
  }
  let current = user;
  const saved = h('p', { class: 'ok', role: 'status', testid: 'settings-phone-saved' });
  const phone = h('input', { type: 'tel', autocomplete: 'tel', inputmode: 'tel', placeholder: '+14155550123', value: user.phone ?? '' });
  const phoneBounced = h('div', null, bouncedNote(user, 'phone', 'phone-bounced'));
  const form = h('form', { class: 'contact-form', testid: 'phone-form', 'aria-label': t('contact.phoneForm') },
    field({ label: t('contact.phoneLabel'), name: 'phone', testid: 'settings-phone', hint: t('contact.phoneHint'), control: phone }),
    phoneBounced,
    h('p', { class: 'form-error', 'data-form-error': '', tabindex: '-1', role: 'alert', testid: 'phone-error', hidden: true }),
    h('div', { class: 'row row-end' }, saved, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'settings-phone-submit' }, t('contact.savePhone'))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    saved.textContent = '';
    const value = phone.value.trim() || null;
    if (value === (current.phone ?? null)) {
      saved.textContent = t('common.nothingToSave');
      return;
    }
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]')); // built above
    submit.disabled = true;
    try {
      const res = await ctx.api.updateMe({ phone: value });
      current = { ...current, phone: value, ...(res?.user ?? res ?? {}) };
      phone.value = current.phone ?? '';
      phoneBounced.replaceChildren(bouncedNote(current, 'phone', 'phone-bounced') ?? '');
      ctx.session.setUser({ ...ctx.session.user, ...current });
      saved.textContent = current.phone ? t('contact.phoneSaved') : t('contact.phoneRemoved');
    } catch (err) {
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  form.addEventListener('input', () => {
    saved.textContent = '';
  });

  return h('section', { class: 'card', testid: 'contact-card', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, t('contact.heading')),
    h('p', { class: 'contact-email' },
      h('span', { class: 'muted' }, t('contact.email'), ' '),
      h('span', { testid: 'settings-email' }, user.email ?? t('contact.none')),
      ' ',
      h('a', { href: `#/u/${encodeURIComponent(user.id ?? '')}` }, t('contact.change'))),
    bouncedNote(user, 'email', 'email-bounced'),
    form);
}

/** Embedded mode keeps what it would have sent by email, SMS and Slack at /dev/outbox. */
function devOutbox() {
  return h('p', { class: 'hint dev-outbox' },
    tParts('settings.devOutbox', { link: h('a', { href: DEV_OUTBOX_URL, target: '_blank', rel: 'noopener', testid: 'dev-outbox-link' }, t('settings.devOutboxLink')) }));
}

function errorSlot(name) {
  return h('p', { class: 'field-error', dataset: { errorFor: name }, hidden: true });
}

/** @param {any} prefs  @param {string[]} types  @param {import('../app.js').AppContext} ctx */
function preferencesForm(prefs, types, ctx) {
  const saved = h('p', { class: 'ok', role: 'status', testid: 'preferences-saved' });
  const tz = prefs.timezone ?? ctx.session.user?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const zonesId = uniqueId('zones');
  const quiet = prefs.quietHours;

  const quietEnabled = h('input', { type: 'checkbox', name: 'quietEnabled', id: uniqueId('quiet'), testid: 'pref-quiet-enabled', checked: Boolean(quiet) });
  const start = h('input', { type: 'time', name: 'quietHours.start', id: uniqueId('start'), testid: 'pref-quiet-start', value: quiet?.start ?? '22:00', disabled: !quiet });
  const end = h('input', { type: 'time', name: 'quietHours.end', id: uniqueId('end'), testid: 'pref-quiet-end', value: quiet?.end ?? '07:00', disabled: !quiet });
  quietEnabled.addEventListener('change', () => {
    start.disabled = end.disabled = !quietEnabled.checked;
  });
  const tzInput = h('input', { type: 'text', name: 'timezone', id: uniqueId('tz'), testid: 'pref-timezone', list: zonesId, value: tz, autocomplete: 'off', spellcheck: 'false' });
  const frequency = h('select', { name: 'frequency', id: uniqueId('freq'), testid: 'pref-frequency' },
    frequencyOptions().map(([v, label]) => h('option', { value: v, selected: prefs.frequency === v }, label)));
  const digestHour = h('select', { name: 'digestHour', id: uniqueId('digest'), testid: 'pref-digest-hour' },
    DIGEST_HOURS.map((hour) => h('option', { value: String(hour), selected: (prefs.digestHour ?? DEFAULTS.digestHour) === hour }, `${String(hour).padStart(2, '0')}:00`)));
  const slackId = uniqueId('slack');
  const slackUrl = h('input', {
    type: 'url', name: 'slackWebhookUrl', id: slackId, testid: 'pref-slack-webhook-url', value: prefs.slackWebhookUrl ?? '',
    placeholder: 'https://hooks.slack.com/services/…', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${slackId}-hint`,
  });

  const form = h('form', { class: 'prefs', testid: 'preferences-form' },
    h('fieldset', { class: 'card' },
      h('legend', null, t('prefs.channels')),
      h('p', { class: 'hint' }, t('prefs.channelsHint')),
      h('div', { class: 'channel-grid' }, CHANNELS.map(([c]) => {
        const id = uniqueId(`ch-${c}`);
        return h('label', { class: 'check', for: id },
          h('input', { type: 'checkbox', id, name: `channels.${c}`, testid: `pref-channel-${c}`, checked: prefs.channels?.[c] ?? DEFAULTS.channels[c] }),
          ` ${channelLabel(c)}`);
      })),
      errorSlot('channels'),
      h('div', { class: 'field slack-field' },
        h('label', { for: slackId }, t('prefs.slackUrl')),
        slackUrl,
        h('p', { class: 'hint', id: `${slackId}-hint` }, t('prefs.slackHint')),
        errorSlot('slackWebhookUrl'))),
    h('fieldset', { class: 'card' },
      h('legend', null, t('prefs.howOften')),
      h('div', { class: 'field' }, h('label', { for: frequency.id }, t('prefs.frequencyLabel')), frequency, errorSlot('frequency')),
      h('div', { class: 'field' }, h('label', { for: digestHour.id }, t('prefs.digestHour')), digestHour, errorSlot('digestHour')),
      h('p', { class: 'hint' }, t('prefs.digestHint'))),
    h('fieldset', { class: 'card' },
      h('legend', null, t('prefs.quietHours')),
      h('label', { class: 'check', for: quietEnabled.id }, quietEnabled, ' ', t('prefs.quietEnabled')),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: start.id }, t('prefs.quietFrom')), start, errorSlot('quietHours.start')),
        h('div', { class: 'field' }, h('label', { for: end.id }, t('prefs.quietUntil')), end, errorSlot('quietHours.end'))),
      errorSlot('quietHours'),
      h('div', { class: 'field' }, h('label', { for: tzInput.id }, t('prefs.timezone')), tzInput, h('datalist', { id: zonesId }, zones.map((z) => h('option', { value: z }))), errorSlot('timezone')),
      h('p', { class: 'hint' }, t('prefs.quietHint'))),
    typeOverrides(prefs, types),
    h('p', { class: 'form-error', 'data-form-error': '', tabindex: '-1', role: 'alert', testid: 'preferences-error', hidden: true }),
    h('div', { class: 'row row-end sticky-actions' }, saved, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'preferences-submit' }, t('prefs.save'))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    saved.textContent = '';
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]')); // built above
    submit.disabled = true;
    try {
      await ctx.api.savePreferences(readPreferences(form, types));
      saved.textContent = t('prefs.saved');
    } catch (err) {
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  form.addEventListener('input', () => {
    saved.textContent = '';
  });
  return form;
}

function typeOverrides(prefs, types) {
  const cell = (type, name, label, options, current) => {
    const id = uniqueId(`t-${type}-${name}`);
    return h('td', null,
      h('label', { for: id, class: 'sr-only' }, `${typeLabel(type)}: ${label}`),
      h('select', { id, name: `types.${type}.${name}`, testid: `pref-type-${type}-${name}` },
        options.map(([v, text]) => h('option', { value: v, selected: current === v }, text))));
  };
  const onOff = (v) => (v === true ? 'on' : v === false ? 'off' : '');
  return h('fieldset', { class: 'card' },
    h('legend', null, t('prefs.perType')),
    h('p', { class: 'hint' }, t('prefs.perTypeHint')),
    h('div', { class: 'table-scroll' },
      h('table', { class: 'overrides' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('prefs.type')), CHANNELS.map(([c]) => h('th', { scope: 'col' }, channelLabel(c))), h('th', { scope: 'col' }, t('prefs.frequency')))),
        h('tbody', null, types.map((type) => {
          const o = prefs.types?.[type] ?? {};
          return h('tr', { dataset: { type } },
            h('th', { scope: 'row' }, typeLabel(type)),
            CHANNELS.map(([c]) => cell(type, c, channelLabel(c), [['', t('prefs.default')], ['on', t('prefs.on')], ['off', t('prefs.off')]], onOff(o[c]))),
            cell(type, 'frequency', t('prefs.frequency'), [['', t('prefs.default')], ...frequencyOptions()], o.frequency ?? ''));
        })))),
    h('p', { class: 'field-error', dataset: { errorFor: 'types' }, hidden: true }));
}
