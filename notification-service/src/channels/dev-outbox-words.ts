import { BASE_LOCALE, canonicalLocale, languageOf, localeChain } from '../templates/catalog.js';

/**
 * The dev outbox page's own words (`/dev/outbox`), in the languages Herald's built-in templates
 * speak. The captured messages keep the language they were rendered in (the recipient's); only
 * the page around them follows the person reading it.
 */
export interface OutboxWords {
  /** The document title. */
  title: string;
  heading: string;
  /** HTML: what the page is; `channels` is escaped already. */
  intro(channels: string): string;
  to: string;
  delivery: string;
  status: string;
  captured: string;
  /** HTML. */
  empty: string;
  refresh: string;
  json: string;
  /** The language switch's label; each language is named in itself. */
  language: string;
}

const WORDS: Readonly<Record<string, OutboxWords>> = {
  en: {
    title: 'Herald dev outbox',
    heading: 'Dev outbox',
    intro: (channels) =>
      `No email, SMS or Slack provider is configured, so embedded Herald keeps what it would have sent (${channels}) here instead. Set <code>SMTP_URL</code> (and the <code>SMS_*</code> variables) to send for real.`,
    to: 'to',
    delivery: 'delivery',
    status: 'status',
    captured: 'sent (captured)',
    empty: 'Nothing sent yet. A notification still unread <code>FALLBACK_DELAY_MS</code> after it arrived, for someone with no open session, shows up here.',
    refresh: 'Refresh',
    json: 'As JSON',
    language: 'Language',
  },
  es: {
    title: 'Bandeja de salida de desarrollo de Herald',
    heading: 'Bandeja de salida de desarrollo',
    intro: (channels) =>
      `No hay ningún proveedor de correo, SMS ni Slack configurado, así que Herald embebido guarda aquí lo que habría enviado (${channels}). Define <code>SMTP_URL</code> (y las variables <code>SMS_*</code>) para enviar de verdad.`,
    to: 'para',
    delivery: 'entrega',
    status: 'estado',
    captured: 'enviado (capturado)',
    empty: 'Todavía no se ha enviado nada. Aquí aparece una notificación que sigue sin leer <code>FALLBACK_DELAY_MS</code> después de llegar, para alguien sin ninguna sesión abierta.',
    refresh: 'Actualizar',
    json: 'En JSON',
    language: 'Idioma',
  },
};

/** Each language as it calls itself, for the switch. */
export const OUTBOX_LANGUAGES: ReadonlyArray<{ locale: string; name: string }> = [
  { locale: 'en', name: 'English' },
  { locale: 'es', name: 'Español' },
];

/** `es-MX;q=0.8` entries by preference (highest q first, then as written); q=0 means "not this". */
function acceptedTags(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((e) => e.tag !== '' && e.tag !== '*' && e.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .slice(0, 10)
    .map((e) => e.tag);
}

/**
 * The page's locale: `?lang=` when it names a language the page has, else the first of the
 * Accept-Language entries that does, else English. Each candidate walks the templates' own
 * fallback chain (`es-MX` → `es`) without its final step to English, so `fr, es` reads Spanish
 * rather than stopping at French's fallback.
 */
export function outboxLocale(lang: string | undefined, acceptLanguage: string | undefined): string {
  const candidates = [...(lang ? [lang] : []), ...acceptedTags(acceptLanguage)];
  for (const candidate of candidates) {
    const tag = canonicalLocale(candidate);
    if (!tag) continue;
    const own = localeChain(tag).filter((locale) => locale !== BASE_LOCALE || languageOf(tag) === BASE_LOCALE);
    const found = own.find((locale) => Object.hasOwn(WORDS, locale));
    if (found) return found;
  }
  return BASE_LOCALE;
}

export const outboxWords = (locale: string): OutboxWords => WORDS[locale] ?? WORDS[BASE_LOCALE]!;
