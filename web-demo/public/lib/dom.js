// @ts-check
// A tiny element builder: h('button', {class: 'x', onclick}, 'Text'). Text always goes in as text
// nodes, never as HTML, so user content cannot inject markup.
import { t, formatDate, formatRelative } from './i18n.js';

/**
 * What h(), append() and mount() take as children: nodes, text (strings, numbers), nested arrays of
 * them (tParts' pieces), and null/undefined/false for "nothing here".
 * @typedef {Node|string|number|null|undefined|false|ReadonlyArray<unknown>} Child
 */

/**
 * Typed by the tag, so h('input') is an HTMLInputElement with its value, checked and disabled.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>|null} [attrs]  `on*` functions become listeners; `dataset`, `style`
 *   objects are merged; `true`/`false` toggle boolean attributes; null/undefined are skipped.
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'testid') el.dataset.testid = String(value);
    else if (key === 'class') el.className = String(value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/**
 * @template {Element} E
 * @param {E} el
 * @param {Child[]} children
 * @returns {E}
 */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Replaces every child of `el`.
 * @template {Element} E
 * @param {E} el
 * @param {...Child} children
 * @returns {E}
 */
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let uid = 0;
/** A document-unique id for label/aria wiring. @param {string} prefix */
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * A label + control + error slot, wired for screen readers (aria-describedby, aria-invalid).
 * @param {object} opts
 * @param {string} opts.label
 * @param {string} opts.name  the control's name, and the API field its errors are placed by
 * @param {string} [opts.testid]
 * @param {string} [opts.hint]
 * @param {HTMLInputElement|HTMLTextAreaElement|HTMLSelectElement} opts.control
 */
export function field({ label, name, testid, hint, control }) {
  const id = control.id || uniqueId(name);
  control.id = id;
  control.name = name;
  if (testid) control.dataset.testid = testid;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', {
      class: 'field-error',
      id: errorId,
      dataset: testid ? { errorFor: name, testid: `${testid}-error` } : { errorFor: name },
      hidden: true,
    }),
  );
}

/** @param {string} iso  @param {number} [now] */
export function relativeTime(iso, now = Date.now()) {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return '';
  const s = Math.round((now - time) / 1000);
  if (s < 45) return t('time.justNow');
  const m = Math.round(s / 60);
  if (m < 60) return formatRelative(-m, 'minute');
  const hr = Math.round(m / 60);
  if (hr < 24) return formatRelative(-hr, 'hour');
  const d = Math.round(hr / 24);
  if (d < 7) return formatRelative(-d, 'day');
  return formatDate(time, { dateStyle: 'medium' });
}

/** A <time> saying how long ago `iso` was, or null when there is no date. @param {string|null|undefined} iso */
export function timeEl(iso) {
  if (!iso) return null;
  return h('time', { datetime: iso, title: formatDate(iso) }, relativeTime(iso));
}
