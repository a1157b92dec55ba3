// @ts-check
// The web demo's words in the person's language. The catalogs (English and Spanish, lib/messages-*.js)
// hold every string of the demo's own chrome; what notifications say comes from the server, already in
// the person's language (docs/templates.md). The language is the signed-in person's profile `locale`
// (navigator.language before sign-in), resolved through the same chain as the server's templates:
// the exact tag (es-MX), then its language (es), then en. Plurals, numbers and dates go through Intl.
import { en } from './messages-en.js';
import { es } from './messages-es.js';

/** @typedef {string | {zero?: string, one?: string, two?: string, few?: string, many?: string, other: string}} Message */

/** @typedef {Record<string, Message>} Catalog */
/** @typedef {'en' | 'es'} Language  a language with a catalog */

/** @type {Record<Language, Catalog>} */
export const CATALOGS = { en, es };
/** @type {Language} */
export const DEFAULT_LOCALE = 'en';

/** @type {string} */
let tag = DEFAULT_LOCALE; // the person's own tag, canonical (es-MX)
/** @type {Language} */
let language = DEFAULT_LOCALE; // the catalog it resolved to (es)
/** @type {Set<(language: Language) => void>} */
const listeners = new Set();
const cache = new Map();

/**
 * A BCP 47 tag in canonical form, or null when it is not one (Intl would throw on it).
 * @param {unknown} value
 * @returns {string|null}
 */
export function canonicalTag(value) {
  if (typeof value !== 'string' || !value.trim()) return null;
  try {
    return Intl.getCanonicalLocales(value.trim().replace(/_/g, '-'))[0] ?? null;
  } catch {
    return null;
  }
}

/** The fallback chain of a tag: `es-MX` → [`es-MX`, `es`, `en`]; each tag once, en always last. */
export function localeChain(value) {
  /** @type {string[]} */
  const chain = [];
  const canonical = canonicalTag(value);
  if (canonical) {
    chain.push(canonical);
    const base = canonical.split('-')[0] ?? canonical; // split always has a first part
    if (base !== canonical) chain.push(base);
  }
  if (!chain.includes(DEFAULT_LOCALE)) chain.push(DEFAULT_LOCALE);
  return chain;
}

/** @param {string} l  @returns {l is Language} */
function isLanguage(l) {
  return Object.hasOwn(CATALOGS, l);
}

/** The first locale of the chain that has a catalog. @returns {Language} */
export function resolveLocale(value) {
  return localeChain(value).find(isLanguage) ?? DEFAULT_LOCALE;
}

/** The active catalog language (`en`, `es`). @returns {Language} */
export function getLocale() {
  return language;
}

/**
 * The locale numbers and dates are formatted in: the person's own tag when the catalog is in their
 * language (es-MX formats in the Spanish UI), else the catalog's (no English words with Polish dates).
 */
export function formatLocale() {
  return tag.split('-')[0] === language ? tag : language;
}

/**
 * Makes `value` (any tag; invalid or unknown ones fall back along the chain) the active language,
 * sets `<html lang>` and tells the listeners when something changed. Returns the catalog language.
 */
export function setLocale(value) {
  const next = canonicalTag(value) ?? DEFAULT_LOCALE;
  const changed = next !== tag;
  tag = next;
  language = resolveLocale(next);
  if (globalThis.document?.documentElement) document.documentElement.lang = language;
  if (changed) for (const fn of [...listeners]) fn(language);
  return language;
}

/**
 * Called with the new language after every change of the active locale; returns an unsubscribe.
 * @param {(language: Language) => void} fn
 */
export function onLocaleChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Whether a key exists (in the active language or English). @param {string} key */
export function has(key) {
  return Object.hasOwn(CATALOGS[language], key) || Object.hasOwn(CATALOGS[DEFAULT_LOCALE], key);
}

function cached(kind, options, make) {
  const key = `${kind}|${formatLocale()}|${JSON.stringify(options)}`;
  let value = cache.get(key);
  if (!value) cache.set(key, (value = make(formatLocale(), options)));
  return value;
}

/** The plural category of `n` in the active language (Intl.PluralRules: one, few, many, other…). */
export function pluralCategory(n) {
  return cached('plural', {}, (l) => new Intl.PluralRules(l)).select(n);
}

export function formatNumber(n, options = {}) {
  return cached('number', options, (l, o) => new Intl.NumberFormat(l, o)).format(n);
}

/** @param {Date|string|number} value  @param {Intl.DateTimeFormatOptions} [options] */
export function formatDate(value, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  const date = value instanceof Date ? value : new Date(value);
  if (!Number.isFinite(date.getTime())) return '';
  return cached('date', options, (l, o) => new Intl.DateTimeFormat(l, o)).format(date);
}

/** "5 min ago", "hace 5 min" (Intl.RelativeTimeFormat) */
export function formatRelative(amount, unit) {
  return cached('relative', { numeric: 'auto', style: 'short' }, (l, o) => new Intl.RelativeTimeFormat(l, o)).format(amount, unit);
}

/** @param {string} key  @returns {Message|undefined} */
function lookup(key) {
  if (Object.hasOwn(CATALOGS[language], key)) return CATALOGS[language][key];
  if (Object.hasOwn(CATALOGS[DEFAULT_LOCALE], key)) return CATALOGS[DEFAULT_LOCALE][key];
  return undefined;
}

/**
 * The message `key` with `{name}` placeholders filled from `vars`. A plural message (an object of
 * plural forms) picks its form for `vars.count` by the language's rules (an exact `zero` for 0
 * first); `#` in it is the count formatted for the locale. A missing key reads as the key itself.
 * @param {string} key
 * @param {Record<string, unknown>} [vars]
 */
export function t(key, vars = {}) {
  return tParts(key, vars).join('');
}

/**
 * Like t(), but a placeholder may be anything (an element): returns the pieces in order, for
 * sentences with a link in the middle. Strings are never parsed as markup.
 * @param {string} key
 * @param {Record<string, unknown>} [vars]
 * @returns {unknown[]}
 */
export function tParts(key, vars = {}) {
  const message = lookup(key);
  let text;
  if (message === undefined) text = key;
  else if (typeof message === 'string') text = message;
  else {
    const n = Number(vars.count ?? 0);
    const form = (n === 0 && message.zero) || message[pluralCategory(n)] || message.other;
    text = form.replace(/#/g, formatNumber(n));
  }
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/\{(\w+)\}/g)) {
    if (!Object.hasOwn(vars, match[1])) continue;
    if (match.index > last) parts.push(text.slice(last, match.index));
    const value = vars[match[1]];
    parts.push(typeof value === 'number' ? formatNumber(value) : value ?? '');
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** Fills `textContent` and attributes from `data-i18n` / `data-i18n-<attribute>` under `root`. */
export function translateStatic(root = globalThis.document) {
  if (!root) return;
  // The selectors guarantee the attributes, so the `?? ''` never applies.
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll('[data-i18n]'))) el.textContent = t(el.dataset.i18n ?? '');
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll('[data-i18n-aria-label]'))) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel ?? ''));
}

/** The language before sign-in: the browser's. */
export function browserLocale() {
  return globalThis.navigator?.language || DEFAULT_LOCALE;
}

setLocale(browserLocale());
