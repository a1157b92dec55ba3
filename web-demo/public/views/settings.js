// Notification preferences (#/settings): channels, per-type overrides, frequency, quiet hours and
// time zone, saved whole with PUT /api/v1/users/me/preferences.
import { h, mount, uniqueId } from '../lib/dom.js';
import { showFormError, clearFormErrors } from '../lib/form-errors.js';

export const CHANNELS = [['in_app', 'In-app'], ['email', 'Email'], ['sms', 'SMS'], ['push', 'Push']];
export const FREQUENCIES = [['instant', 'Instantly'], ['daily', 'Daily digest'], ['weekly', 'Weekly digest']];
export const TYPES = ['follow', 'post', 'comment', 'like', 'mention', 'message', 'alert', 'reminder', 'system'];
const DEFAULTS = { channels: { in_app: true, email: true, sms: false, push: false }, types: {}, frequency: 'instant' };

/** Reads the form back into the contract's body; "Default" overrides are left out. */
export function readPreferences(form, types) {
  const channels = Object.fromEntries(CHANNELS.map(([c]) => [c, form.elements.namedItem(`channels.${c}`).checked]));
  const overrides = {};
  for (const type of types) {
    const o = {};
    for (const [c] of CHANNELS) {
      const v = form.elements.namedItem(`types.${type}.${c}`).value;
      if (v) o[c] = v === 'on';
    }
    const f = form.elements.namedItem(`types.${type}.frequency`).value;
    if (f) o.frequency = f;
    if (Object.keys(o).length) overrides[type] = o;
  }
  const body = { channels, types: overrides, frequency: form.elements.namedItem('frequency').value };
  if (form.elements.namedItem('quietEnabled').checked) {
    body.quietHours = { start: form.elements.namedItem('quietHours.start').value, end: form.elements.namedItem('quietHours.end').value };
  }
  const tz = form.elements.namedItem('timezone').value.trim();
  if (tz) body.timezone = tz;
  return body;
}

export async function renderSettings(root, ctx) {
  const page = h('section', { class: 'page', testid: 'settings' }, h('h1', null, 'Notification settings'), h('p', { class: 'muted' }, 'Loading…'));
  root.append(page);
  let prefs;
  try {
    const res = await ctx.api.preferences();
    prefs = { ...DEFAULTS, ...(res?.preferences ?? res) };
  } catch (err) {
    if (err.status !== 404) {
      mount(page, h('h1', null, 'Notification settings'), h('p', { class: 'form-error', role: 'alert' }, err.message));
      return;
    }
    prefs = DEFAULTS;
  }
  const types = [...new Set([...TYPES, ...Object.keys(prefs.types ?? {})])];
  mount(page, h('h1', null, 'Notification settings'), preferencesForm(prefs, types, ctx));
}

function errorSlot(name) {
  return h('p', { class: 'field-error', dataset: { errorFor: name }, hidden: true });
}

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
    FREQUENCIES.map(([v, label]) => h('option', { value: v, selected: prefs.frequency === v }, label)));

  const form = h('form', { class: 'prefs', testid: 'preferences-form' },
    h('fieldset', { class: 'card' },
      h('legend', null, 'Channels'),
      h('p', { class: 'hint' }, 'Where Herald may reach you at all.'),
      h('div', { class: 'channel-grid' }, CHANNELS.map(([c, label]) => {
        const id = uniqueId(`ch-${c}`);
        return h('label', { class: 'check', for: id },
          h('input', { type: 'checkbox', id, name: `channels.${c}`, testid: `pref-channel-${c}`, checked: prefs.channels?.[c] ?? DEFAULTS.channels[c] }),
          ` ${label}`);
      })),
      errorSlot('channels')),
    h('fieldset', { class: 'card' },
      h('legend', null, 'How often'),
      h('div', { class: 'field' }, h('label', { for: frequency.id }, 'Send non-urgent notifications'), frequency, errorSlot('frequency')),
      h('p', { class: 'hint' }, 'Digests collect what you chose not to get at once. Critical alerts always arrive immediately.')),
    h('fieldset', { class: 'card' },
      h('legend', null, 'Quiet hours'),
      h('label', { class: 'check', for: quietEnabled.id }, quietEnabled, ' Hold notifications during quiet hours'),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: start.id }, 'From'), start, errorSlot('quietHours.start')),
        h('div', { class: 'field' }, h('label', { for: end.id }, 'Until'), end, errorSlot('quietHours.end'))),
      errorSlot('quietHours'),
      h('div', { class: 'field' }, h('label', { for: tzInput.id }, 'Time zone'), tzInput, h('datalist', { id: zonesId }, zones.map((z) => h('option', { value: z }))), errorSlot('timezone')),
      h('p', { class: 'hint' }, 'Alerts marked critical ignore quiet hours.')),
    typeOverrides(prefs, types),
    h('p', { class: 'form-error', 'data-form-error': '', tabindex: '-1', role: 'alert', testid: 'preferences-error', hidden: true }),
    h('div', { class: 'row row-end sticky-actions' }, saved, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'preferences-submit' }, 'Save preferences')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    saved.textContent = '';
    const submit = form.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      await ctx.api.savePreferences(readPreferences(form, types));
      saved.textContent = 'Preferences saved.';
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
      h('label', { for: id, class: 'sr-only' }, `${type}: ${label}`),
      h('select', { id, name: `types.${type}.${name}`, testid: `pref-type-${type}-${name}` },
        options.map(([v, text]) => h('option', { value: v, selected: current === v }, text))));
  };
  const onOff = (v) => (v === true ? 'on' : v === false ? 'off' : '');
  return h('fieldset', { class: 'card' },
    h('legend', null, 'Per type'),
    h('p', { class: 'hint' }, '“Default” follows the choices above.'),
    h('div', { class: 'table-scroll' },
      h('table', { class: 'overrides' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Type'), CHANNELS.map(([, l]) => h('th', { scope: 'col' }, l)), h('th', { scope: 'col' }, 'Frequency'))),
        h('tbody', null, types.map((type) => {
          const o = prefs.types?.[type] ?? {};
          return h('tr', { dataset: { type } },
            h('th', { scope: 'row' }, type),
            CHANNELS.map(([c, l]) => cell(type, c, l, [['', 'Default'], ['on', 'On'], ['off', 'Off']], onOff(o[c]))),
            cell(type, 'frequency', 'frequency', [['', 'Default'], ...FREQUENCIES], o.frequency ?? ''));
        })))),
    h('p', { class: 'field-error', dataset: { errorFor: 'types' }, hidden: true }));
}
