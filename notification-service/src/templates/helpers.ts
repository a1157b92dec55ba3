import Handlebars from 'handlebars';
import { IntlMessageFormat } from 'intl-messageformat';

/**
 * The one Handlebars environment templates run in: its own instance (nothing registered globally),
 * a fixed set of helpers, no partials, and no `log` or `lookup` (a dynamic property name could not
 * be checked against the known variables). Prototype properties and methods are never reachable
 * (Handlebars' defaults, passed explicitly in RUNTIME_OPTIONS), and the data handed to a template is
 * plain JSON. Operators replace templates through an API: a template can format what it is given,
 * never run code.
 */
export const hbs = Handlebars.create();
hbs.unregisterHelper('log');
hbs.unregisterHelper('lookup');

/** Per render: how to format for this person, and the locale's shared phrases. */
export interface RenderLocale {
  /** The Intl locale: the person's own tag when the template is in their language, else the template's. */
  intl: string;
  timeZone: string;
  /** A shared phrase (messages.json), looked up along the template's locale chain. */
  message(key: string): string | undefined;
  /** Previews and checks: a helper that cannot do its job throws instead of printing nothing. */
  strict?: boolean;
}

export const BLOCK_HELPERS = ['if', 'unless', 'each', 'with'] as const;
export const INLINE_HELPERS = ['people', 't', 'plural', 'number', 'date', 'truncate', 'eq'] as const;
export const PLURAL_KEYS = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
export const DATE_STYLES = ['full', 'long', 'medium', 'short', 'none'] as const;

export const COMPILE_OPTIONS = {
  knownHelpers: { ...Object.fromEntries([...BLOCK_HELPERS, ...INLINE_HELPERS].map((h) => [h, true])), log: false, lookup: false },
  knownHelpersOnly: true,
  preventIndent: true,
} satisfies CompileOptions;

type CompileOptions = Parameters<typeof hbs.compile>[1];

export const RUNTIME_OPTIONS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;

interface HelperOptions {
  hash: Record<string, unknown>;
  data: { root: Record<string, unknown>; herald: RenderLocale };
}

const localeOf = (options: HelperOptions): RenderLocale => options.data.herald;

// Formatters are built once per locale and pattern: building an IntlMessageFormat parses the ICU
// text. Patterns come from templates, so the cache is bounded rather than left to grow.
const CACHE_LIMIT = 2000;
const formats = new Map<string, IntlMessageFormat>();
function icu(pattern: string, locale: string): IntlMessageFormat {
  const key = `${locale}\u0000${pattern}`;
  let format = formats.get(key);
  if (!format) {
    if (formats.size >= CACHE_LIMIT) formats.clear();
    format = new IntlMessageFormat(pattern, locale);
    formats.set(key, format);
  }
  return format;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: string, timeZone: string, dateStyle: string, timeStyle: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${dateStyle}|${timeStyle}`;
  let format = dateFormats.get(key);
  if (!format) {
    if (dateFormats.size >= CACHE_LIMIT) dateFormats.clear();
    const styles: Intl.DateTimeFormatOptions = {};
    if (dateStyle !== 'none') styles.dateStyle = dateStyle as Intl.DateTimeFormatOptions['dateStyle'];
    if (timeStyle !== 'none') styles.timeStyle = timeStyle as Intl.DateTimeFormatOptions['timeStyle'];
    format = new Intl.DateTimeFormat(locale, { ...styles, timeZone });
    dateFormats.set(key, format);
  }
  return format;
}

/** Formats an ICU message; a failure prints nothing, except in previews and checks. */
export function formatMessage(pattern: string, args: Record<string, unknown>, rl: RenderLocale): string {
  try {
    return String(icu(pattern, rl.intl).format(args as Record<string, string | number>));
  } catch (err) {
    if (rl.strict) throw err;
    return '';
  }
}

/** ICU literal text: quote the characters ICU would read as syntax, keep `#` (the number). */
const icuLiteral = (text: string) => text.replace(/'/g, "''").replace(/[{}]/g, (c) => `'${c}'`);

function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

interface Person {
  name?: unknown;
}

/**
 * "Ana", "Ana and Bo", "Ana and 12 others", "Someone", "3 people": the grammar is the locale's
 * (messages.json, people.*), the count is the group's. `{{people}}` reads the template's own
 * `actors` and `count`; `{{people list n}}` takes them as arguments.
 */
export function people(actors: unknown, count: unknown, rl: RenderLocale): string {
  const names = (Array.isArray(actors) ? actors : []).map((a: Person) => (typeof a?.name === 'string' ? a.name : '')).filter((n) => n !== '');
  const total = Math.max(Math.trunc(toNumber(count)) || names.length, names.length, 1);
  const [first, second] = names;
  const say = (key: string, args: Record<string, unknown>) => formatMessage(rl.message(key) ?? key, args, rl);
  if (first === undefined) return say('people.nameless', { count: total });
  if (total <= 1) return say('people.one', { first });
  if (total === 2 && second !== undefined) return say('people.two', { first, second });
  return say('people.more', { first, others: total - 1 });
}

hbs.registerHelper('people', function (this: unknown, ...args: unknown[]) {
  const options = args.pop() as HelperOptions;
  const [actors, count] = args.length >= 1 ? args : [options.data.root.actors, options.data.root.count];
  return people(actors, count, localeOf(options));
});

/** `{{t "open"}}`: a shared phrase of the locale, ICU arguments from the hash. */
hbs.registerHelper('t', function (this: unknown, key: unknown, options: HelperOptions) {
  const rl = localeOf(options);
  const pattern = typeof key === 'string' ? rl.message(key) : undefined;
  if (pattern === undefined) {
    if (rl.strict) throw new Error(`no message "${String(key)}" in messages.json`);
    return '';
  }
  return formatMessage(pattern, options.hash, rl);
});

/**
 * `{{plural count one="# other" other="# others"}}`: the form the locale's plural rules (CLDR,
 * through ICU) choose for the number; `#` is the number formatted for the locale. `zero` is the
 * exact value 0; one, two, few, many and other are the CLDR categories.
 */
hbs.registerHelper('plural', function (this: unknown, value: unknown, options: HelperOptions) {
  const forms = PLURAL_KEYS.filter((k) => typeof options.hash[k] === 'string').map((k) => `${k === 'zero' ? '=0' : k} {${icuLiteral(options.hash[k] as string)}}`);
  if (!forms.some((f) => f.startsWith('other '))) forms.push('other {#}');
  return formatMessage(`{n, plural, ${forms.join(' ')}}`, { n: toNumber(value) }, localeOf(options));
});

hbs.registerHelper('number', function (this: unknown, value: unknown, options: HelperOptions) {
  const n = typeof value === 'number' ? value : Number(value);
  if (value === null || value === undefined || value === '' || !Number.isFinite(n)) return value === undefined || value === null ? '' : String(value);
  return new Intl.NumberFormat(localeOf(options).intl).format(n);
});

/** `{{date createdAt}}`, `{{date data.dueAt dateStyle="long" timeStyle="none"}}`: in the person's zone and locale. */
hbs.registerHelper('date', function (this: unknown, value: unknown, options: HelperOptions) {
  const rl = localeOf(options);
  if (value === undefined || value === null || value === '') return '';
  const at = new Date(typeof value === 'number' ? value : String(value));
  if (Number.isNaN(at.getTime())) return String(value);
  const dateStyle = typeof options.hash.dateStyle === 'string' ? options.hash.dateStyle : 'medium';
  const timeStyle = typeof options.hash.timeStyle === 'string' ? options.hash.timeStyle : 'short';
  try {
    return dateFormat(rl.intl, rl.timeZone, dateStyle, timeStyle).format(at);
  } catch (err) {
    if (rl.strict) throw err;
    return at.toISOString();
  }
});

/** `{{truncate excerpt 80}}`: at most that many characters, an ellipsis when cut. */
hbs.registerHelper('truncate', function (this: unknown, value: unknown, max: unknown) {
  return truncate(value === undefined || value === null ? '' : String(value), Math.max(1, Math.trunc(toNumber(max))));
});

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}…`;
}

hbs.registerHelper('eq', function (this: unknown, a: unknown, b: unknown) {
  return a === b;
});
