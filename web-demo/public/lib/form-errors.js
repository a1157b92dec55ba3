// @ts-check
// Puts an ApiError next to the form field it concerns. The contract promises that a 400 "says which
// field" but not where; details are read in the common shapes ({field}, [{instancePath}], {fields}),
// and a code such as `username_taken` names its field too. The rest goes to the form's general line.
import { t } from './i18n.js';

/**
 * @param {{code?: string, message?: string, details?: unknown}} error
 * @param {string[]} fields  the API field names the form has
 * @returns {{fields: Map<string, string>, paths: Map<string, string>, general: string|null}}
 *   fields: slot name → message; paths: slot name → the full dotted path the server named
 */
export function placeErrors(error, fields) {
  const known = new Map(fields.map((f) => [normalise(f), f]));
  const placed = new Map();
  const paths = new Map();
  // "quietHours.start" goes to a quietHours.start slot if there is one, else quietHours, else start.
  const put = (rawField, message) => {
    const segments = segmentsOf(rawField);
    const candidates = [segments.join('.'), segments[0], segments.at(-1)].filter(Boolean);
    const field = candidates.map((c) => known.get(normalise(c))).find(Boolean);
    if (field && !placed.has(field)) {
      placed.set(field, message || error.message || t('error.invalidValue'));
      paths.set(field, segments.join('.'));
    }
    return Boolean(field);
  };

  const details = error.details;
  const entries = Array.isArray(details) ? details : details && typeof details === 'object' ? [details] : [];
  for (const d of entries) {
    if (!d || typeof d !== 'object') continue;
    const name = [d.field, d.path, d.instancePath, d.property, d.param, d.name, d.params?.missingProperty]
      .map((v) => (Array.isArray(v) ? v.join('.') : v))
      .find((v) => typeof v === 'string' && v !== '' && v !== '/');
    if (name) put(name, typeof d.message === 'string' ? d.message : undefined);
    if (Array.isArray(d.fields)) d.fields.forEach((f) => put(typeof f === 'string' ? f : f?.field ?? '', f?.message));
    else if (d.fields && typeof d.fields === 'object') for (const [k, v] of Object.entries(d.fields)) put(k, msg(v));
    // {username: "taken"} style
    if (!Array.isArray(details)) for (const [k, v] of Object.entries(d)) if (known.has(normalise(k))) put(k, msg(v));
  }

  if (placed.size === 0 && typeof error.code === 'string') {
    for (const word of error.code.split('_')) if (put(word, error.message)) break;
  }
  return { fields: placed, paths, general: placed.size ? null : error.message || t('error.generic') };
}

/** Shows `error` in `form`: per-field slots ([data-error-for]) and the general [data-form-error] line. */
export function showFormError(form, error) {
  clearFormErrors(form);
  const fields = [...form.querySelectorAll('[data-error-for]')].map((el) => el.dataset.errorFor);
  const message = error.status === 429 && error.retryAfterSeconds
    ? t('error.retryIn', { message: error.message, seconds: error.retryAfterSeconds })
    : error.message;
  const { fields: placed, paths, general } = placeErrors({ ...error, message, code: error.code, details: error.details }, fields);
  let first = null;
  for (const [name, text] of placed) {
    const slot = form.querySelector(`[data-error-for="${name}"]`);
    // The exact control when the form names controls by path (types.like.email), else the slot's.
    const control = form.elements.namedItem(paths.get(name)) ?? form.elements.namedItem(name);
    slot.textContent = text;
    slot.hidden = false;
    if (control instanceof HTMLElement) {
      control.setAttribute('aria-invalid', 'true');
      first ??= control;
    }
  }
  const generalEl = form.querySelector('[data-form-error]');
  if (general && generalEl) {
    generalEl.textContent = general;
    generalEl.hidden = false;
  }
  (first ?? generalEl)?.focus?.();
}

export function clearFormErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for], [data-form-error]')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function msg(v) {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return msg(v[0]);
  return typeof v?.message === 'string' ? v.message : undefined;
}

function segmentsOf(path) {
  return String(path).replace(/^\/+/, '').replace(/^body[./]/, '').split(/[./]/).filter(Boolean);
}

function normalise(name) {
  return String(name).toLowerCase().replace(/[^a-z0-9]/g, '');
}
