/// <reference types="node" />
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CATALOGS,
  formatLocale,
  getLocale,
  localeChain,
  onLocaleChange,
  pluralCategory,
  resolveLocale,
  setLocale,
  t,
  tParts,
} from '../public/lib/i18n.js';
import { KNOWN_CHANNELS, REASONS, STATUSES, channelLabel, reasonText, statusLabel } from '../public/lib/channels.js';
import { ACTOR_TYPES, headline } from '../public/lib/notification-text.js';
import { FREQUENCIES, TYPES } from '../public/views/settings.js';
import { relativeTime } from '../public/lib/dom.js';

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const catalogs = CATALOGS as Record<string, Record<string, string | Record<string, string>>>;
const LANGUAGES = Object.keys(catalogs);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.(js|html)$/.test(entry.name) ? [full] : [];
  });
}

const placeholders = (message: string | Record<string, string>) =>
  [...new Set(Object.values(typeof message === 'string' ? { other: message } : message).flatMap((m) => [...m.matchAll(/\{(\w+)\}/g)].map((x) => x[1])))].sort();

afterEach(() => {
  setLocale('en');
});

describe('catalogs', () => {
  it('English and Spanish have exactly the same keys, shapes and placeholders', () => {
    expect(LANGUAGES.sort()).toEqual(['en', 'es']);
    const en = catalogs.en!;
    const es = catalogs.es!;
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en)) {
      expect(typeof es[key], key).toBe(typeof en[key]);
      expect(placeholders(es[key]!), key).toEqual(placeholders(en[key]!));
      for (const lang of LANGUAGES) {
        const message = catalogs[lang]![key]!;
        if (typeof message === 'string') expect(message.trim(), `${lang} ${key}`).not.toBe('');
        else expect(typeof message.other, `${lang} ${key} needs an "other" form`).toBe('string');
      }
    }
  });

  it('has every key the sources use: t(), tParts(), data-i18n attributes, and the prefixes of computed keys', () => {
    const used = new Set<string>();
    const prefixes = new Set<string>();
    for (const file of sources(PUBLIC).filter((f) => !/messages-\w+\.js$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|tParts|has)\(\s*'([^']+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/data-i18n(?:-aria-label)?="([^"]+)"/g)) used.add(m[1]!);
      for (const m of text.matchAll(/\b(?:t|tParts|has)\(\s*`([^`$]*)\$\{/g)) prefixes.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(150);
    for (const lang of LANGUAGES) {
      const missing = [...used].filter((key) => !Object.hasOwn(catalogs[lang]!, key));
      expect(missing, `missing in ${lang}`).toEqual([]);
      for (const prefix of prefixes) expect(Object.keys(catalogs[lang]!).some((k) => k.startsWith(prefix)), `${lang}: ${prefix}*`).toBe(true);
    }
    // The computed keys, each value they are computed from.
    const computed = [
      ...KNOWN_CHANNELS.map((c) => `channel.${c}`),
      ...STATUSES.map((s) => `delivery.status.${s}`),
      ...REASONS.map((r) => `delivery.reason.${r}`),
      ...ACTOR_TYPES.flatMap((type) => [`notif.${type}`, `notif.${type}.group`]),
      ...FREQUENCIES.map((f) => `frequency.${f}`),
      ...TYPES.map((type) => `type.${type}`),
      ...LANGUAGES.map((l) => `language.${l}`),
      'delivery.digest.daily',
      'delivery.digest.weekly',
    ];
    for (const lang of LANGUAGES) expect(computed.filter((key) => !Object.hasOwn(catalogs[lang]!, key)), lang).toEqual([]);
  });

  it('leaves no hard-coded English text in h() calls of views and components', () => {
    const offenders: string[] = [];
    for (const file of sources(PUBLIC).filter((f) => /[/\\](views|components)[/\\]/.test(f))) {
      // A string literal child of h(...) that reads as words ("Load more"), not a class or a symbol.
      for (const m of readFileSync(file, 'utf8').matchAll(/\bh\('[a-z0-9]+', [^\n]*?\}, '([A-Z][a-z]+(?: [a-z]+)*[.…]?)'\)/g)) offenders.push(`${path.basename(file)}: ${m[1]}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('locale chain', () => {
  it('goes from the exact tag to its language to English, like the server templates', () => {
    expect(localeChain('es-MX')).toEqual(['es-MX', 'es', 'en']);
    expect(localeChain('es')).toEqual(['es', 'en']);
    expect(localeChain('en-GB')).toEqual(['en-GB', 'en']);
    expect(localeChain('pt_br')).toEqual(['pt-BR', 'pt', 'en']);
    expect(localeChain('not a tag!')).toEqual(['en']);
    expect(localeChain(undefined)).toEqual(['en']);
    expect(resolveLocale('es-MX')).toBe('es');
    expect(resolveLocale('ES')).toBe('es');
    expect(resolveLocale('pt-BR')).toBe('en');
    expect(resolveLocale('')).toBe('en');
  });

  it('formats in the person’s own tag when the catalog is their language, else in the catalog’s', () => {
    expect(setLocale('es-MX')).toBe('es');
    expect([getLocale(), formatLocale()]).toEqual(['es', 'es-MX']);
    expect(t('nav.inbox')).toBe('Bandeja');
    expect(setLocale('pt-BR')).toBe('en');
    expect([getLocale(), formatLocale()]).toEqual(['en', 'en']);
    expect(t('nav.inbox')).toBe('Inbox');
    expect(setLocale('garbage tag %%')).toBe('en');
  });

  it('tells listeners once per change, not when the same locale is set again', () => {
    const seen: string[] = [];
    const off = onLocaleChange((lang: string) => seen.push(lang));
    setLocale('es');
    setLocale('es');
    setLocale('es-MX');
    setLocale('en');
    off();
    setLocale('es');
    expect(seen).toEqual(['es', 'es', 'en']);
  });
});

describe('t()', () => {
  it('chooses plural forms with Intl.PluralRules and formats the count with Intl.NumberFormat', () => {
    expect(t('feed.newPosts', { count: 1 })).toBe('1 new post — show');
    expect(t('feed.newPosts', { count: 2 })).toBe('2 new posts — show');
    expect(t('post.likes', { count: 0 })).toBe('0 likes');
    expect(t('post.comments', { count: 1 })).toBe('1 comment');
    expect(t('people.found', { count: 1234 })).toBe('1,234 people found');
    setLocale('es');
    expect(t('feed.newPosts', { count: 1 })).toBe('1 publicación nueva — ver');
    expect(t('feed.newPosts', { count: 3 })).toBe('3 publicaciones nuevas — ver');
    expect(t('people.found', { count: 12345 })).toBe('12.345 personas encontradas');
    // Spanish has a "many" category for millions; a message without it reads its "other" form.
    expect(pluralCategory(1_000_000)).toBe(new Intl.PluralRules('es').select(1_000_000));
    expect(t('profile.followers', { count: 1_000_000 })).toBe('1.000.000 seguidores');
  });

  it('fills placeholders, falls back to English for a key the language lacks, and to the key itself', () => {
    expect(t('home.hello', { name: 'Ana' })).toBe('Hello, Ana');
    catalogs.en!['test.onlyEnglish'] = 'Only {what}';
    try {
      setLocale('es');
      expect(t('home.hello', { name: 'Ana' })).toBe('Hola, Ana');
      expect(t('test.onlyEnglish', { what: 'English' })).toBe('Only English');
    } finally {
      delete catalogs.en!['test.onlyEnglish'];
    }
    expect(t('no.such.key')).toBe('no.such.key');
  });

  it('tParts keeps a placeholder value as it is (an element in the middle of a sentence)', () => {
    const link = { tag: 'a' };
    expect(tParts('feed.tipSettings', { settings: link })).toEqual(['Choose how you are told in ', link, '.']);
    setLocale('es');
    expect(tParts('feed.tipFollow', { people: link })).toEqual([link, ' y síguelas; se enteran al momento.']);
  });
});

describe('words that depend on the language', () => {
  it('delivery status names, reasons and channels', () => {
    expect([statusLabel('delivered'), reasonText('quiet_hours'), channelLabel('in_app'), statusLabel('mystery')]).toEqual(['Delivered', 'held for quiet hours', 'In-app', 'mystery']);
    setLocale('es');
    expect([statusLabel('delivered'), reasonText('quiet_hours'), channelLabel('in_app'), channelLabel('carrier_pigeon')]).toEqual(['Entregada', 'retenida por las horas de silencio', 'En la app', 'carrier pigeon']);
  });

  it('headlines composed on the client, while a server title is shown as sent', () => {
    const grouped = { id: '1', type: 'like', actor: { username: 'ana', displayName: 'Ana' }, count: 5, title: 'Ana and 4 others liked your post' };
    expect(headline(grouped)).toBe('Ana and 4 others liked your post');
    expect(headline({ ...grouped, count: 2 })).toBe('Ana and 1 other liked your post');
    setLocale('es');
    expect(headline(grouped)).toBe('Ana y 4 personas más marcaron tu publicación con «Me gusta»');
    expect(headline({ id: '2', type: 'follow', actor: { username: 'bo' }, title: 'Bo empezó a seguirte' })).toBe('Bo empezó a seguirte');
    expect(headline({ id: '3', type: 'follow', actor: null })).toBe('Alguien empezó a seguirte');
  });

  it('relative times through Intl.RelativeTimeFormat', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(relativeTime('2026-03-01T11:59:50Z', now)).toBe('just now');
    expect(relativeTime('2026-03-01T11:55:00Z', now)).toBe(new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' }).format(-5, 'minute'));
    setLocale('es');
    expect(relativeTime('2026-03-01T11:59:50Z', now)).toBe('ahora mismo');
    expect(relativeTime('2026-03-01T09:00:00Z', now)).toMatch(/^hace 3 h/);
    expect(relativeTime('2026-02-26T12:00:00Z', now)).toMatch(/^hace 3 d/);
    expect(relativeTime('2026-02-01T12:00:00Z', now)).toBe(new Intl.DateTimeFormat('es', { dateStyle: 'medium' }).format(new Date('2026-02-01T12:00:00Z')));
  });

  it('English reads as the browser tests expect', () => {
    expect([t('conn.live'), t('conn.reconnecting'), t('conn.caughtUp'), t('contact.phoneSaved'), t('prefs.saved'), t('push.isOn'), channelLabel('in_app')]).toEqual([
      'Live', 'Reconnecting…', 'Back online, caught up', 'Phone number saved.', 'Preferences saved.', 'Push is on for this device.', 'In-app',
    ]);
  });
});
