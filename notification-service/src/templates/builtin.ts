import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_LOCALE, canonicalLocale, channelsOf, localeChain, PART_NAMES, templateKey, TEMPLATE_TYPES, type PartName, type Parts } from './catalog.js';
import { checkLayout, compileTemplate, type CompiledTemplate, type CompileEnv } from './compile.js';
import type { RenderLocale } from './helpers.js';

/**
 * The built-in templates: notification-service/templates/<locale>/, one directory per language
 * (docs/templates.md): `<type>.<channel>.hbs` files, the email layout `_layout.email.mjml` and the
 * shared phrases `messages.json`. Read and compiled once per process, at start.
 */
export const BUILTIN_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export const LAYOUT_FILE = '_layout.email.mjml';
export const MESSAGES_FILE = 'messages.json';

export interface LocaleAssets {
  locale: string;
  layout?: string;
  messages: Readonly<Record<string, string>>;
}

export interface Builtins {
  /** Directories found, `en` first. */
  locales: string[];
  assets: ReadonlyMap<string, LocaleAssets>;
  /** By templateKey(type, channel, locale). */
  templates: ReadonlyMap<string, CompiledTemplate>;
}

const MARKER = /^--- ([a-z_]+) ---$/;

/**
 * A template file: `--- name ---` lines start each part; a file without them is one `body` (SMS,
 * Slack). Blank lines around a part are not part of it.
 */
export function parsePartsFile(text: string, file: string): Parts {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const parts: Parts = {};
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first === -1 || !MARKER.test(lines[first]!)) return { body: trimBlankLines(lines.join('\n')) };
  let name: PartName | undefined;
  let buffer: string[] = [];
  const flush = () => {
    if (name) parts[name] = trimBlankLines(buffer.join('\n'));
  };
  for (const line of lines.slice(first)) {
    const marker = MARKER.exec(line);
    if (!marker) {
      buffer.push(line);
      continue;
    }
    flush();
    const next = marker[1] as PartName;
    if (!(PART_NAMES as readonly string[]).includes(next)) throw new Error(`${file}: unknown part "--- ${next} ---" (parts: ${PART_NAMES.join(', ')})`);
    if (parts[next] !== undefined) throw new Error(`${file}: part "${next}" appears twice`);
    name = next;
    buffer = [];
  }
  flush();
  return parts;
}

const trimBlankLines = (text: string) => text.replace(/^(?:[ \t]*\n)+/, '').replace(/(?:\n[ \t]*)+$/, '');

/** The message of `key` along a locale chain (exact → language → en). */
export function messageAlong(assets: ReadonlyMap<string, LocaleAssets>, chain: readonly string[], key: string): string | undefined {
  for (const locale of chain) {
    const message = assets.get(locale)?.messages[key];
    if (message !== undefined) return message;
  }
  return undefined;
}

/** What a template of `locale` compiles against: the nearest layout and every phrase along its chain. */
export function compileEnvFor(assets: ReadonlyMap<string, LocaleAssets>, locale: string): CompileEnv {
  const chain = localeChain(locale);
  const layout = chain.map((l) => assets.get(l)?.layout).find((l) => l !== undefined);
  if (layout === undefined) throw new Error(`no email layout for ${locale}`);
  const messageKeys = new Set(chain.flatMap((l) => Object.keys(assets.get(l)?.messages ?? {})));
  const sampleLocale: RenderLocale = { intl: locale, timeZone: 'UTC', strict: true, message: (key) => messageAlong(assets, chain, key) };
  return { layout, messageKeys, sampleLocale };
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function load(dir: string): Promise<Builtins> {
  const entries = await readdir(dir, { withFileTypes: true });
  const locales = entries
    .filter((e) => e.isDirectory() && canonicalLocale(e.name) === e.name)
    .map((e) => e.name)
    .sort((a, b) => (a === BASE_LOCALE ? -1 : b === BASE_LOCALE ? 1 : a.localeCompare(b)));
  if (locales[0] !== BASE_LOCALE) throw new Error(`${dir}: no ${BASE_LOCALE}/ directory (the end of every locale chain)`);

  const assets = new Map<string, LocaleAssets>();
  for (const locale of locales) {
    const messagesText = await readOptional(path.join(dir, locale, MESSAGES_FILE));
    let messages: Record<string, string> = {};
    if (messagesText !== undefined) {
      const parsed: unknown = JSON.parse(messagesText);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
        throw new Error(`${locale}/${MESSAGES_FILE}: must be an object of strings (ICU messages)`);
      }
      messages = parsed as Record<string, string>;
    }
    const layout = await readOptional(path.join(dir, locale, LAYOUT_FILE));
    assets.set(locale, { locale, messages, ...(layout !== undefined ? { layout } : {}) });
  }
  for (const a of assets.values()) {
    if (a.layout === undefined) continue;
    const problems = checkLayout(a.layout, compileEnvFor(assets, a.locale).messageKeys);
    if (problems.length > 0) throw new Error(`${a.locale}/${LAYOUT_FILE}: ${problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join('; ')}`);
  }

  const templates = new Map<string, CompiledTemplate>();
  const missing: string[] = [];
  for (const locale of locales) {
    const env = compileEnvFor(assets, locale);
    for (const type of TEMPLATE_TYPES) {
      for (const channel of channelsOf(type)) {
        const file = `${locale}/${type}.${channel}.hbs`;
        const text = await readOptional(path.join(dir, file));
        if (text === undefined) {
          if (locale === BASE_LOCALE) missing.push(file);
          continue;
        }
        try {
          const compiled = await compileTemplate({ type, channel, locale, parts: parsePartsFile(text, file), source: 'builtin', version: 0 }, env);
          templates.set(templateKey(type, channel, locale), compiled);
        } catch (err) {
          throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }
  if (missing.length > 0) throw new Error(`${dir}: every template must exist in ${BASE_LOCALE}; missing ${missing.join(', ')}`);
  return { locales, assets, templates };
}

const loaded = new Map<string, Promise<Builtins>>();

/** The built-in templates of `dir`, compiled once per process (a failed load is tried again next time). */
export function loadBuiltins(dir: string = BUILTIN_DIR): Promise<Builtins> {
  let promise = loaded.get(dir);
  if (!promise) {
    promise = load(dir);
    loaded.set(dir, promise);
    promise.catch(() => loaded.delete(dir));
  }
  return promise;
}
