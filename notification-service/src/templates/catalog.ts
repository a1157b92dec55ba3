import { CHANNELS, NOTIFICATION_TYPES, type Channel, type NotificationType } from '../domain/notification.js';

/**
 * What templates exist: one per notification type (and `digest`) × channel × locale
 * (docs/templates.md). Every list here derives from domain/notification.ts, so a new type or
 * channel shows up in the catalogue, the admin routes and the checks at start by itself.
 */

export const TEMPLATE_TYPES = [...NOTIFICATION_TYPES, 'digest'] as const;
export type TemplateType = NotificationType | 'digest';

export const TEMPLATE_CHANNELS: readonly Channel[] = CHANNELS;

/** A digest is a message about the inbox, never an inbox item: every channel but in_app. */
export function channelsOf(type: TemplateType): readonly Channel[] {
  return type === 'digest' ? TEMPLATE_CHANNELS.filter((c) => c !== 'in_app') : TEMPLATE_CHANNELS;
}

export function isTemplateType(value: string): value is TemplateType {
  return (TEMPLATE_TYPES as readonly string[]).includes(value);
}

export function isTemplateChannel(type: TemplateType, value: string): value is Channel {
  return (channelsOf(type) as readonly string[]).includes(value);
}

/** The named texts of one template. */
export const PART_NAMES = ['subject', 'preheader', 'title', 'body', 'url'] as const;
export type PartName = (typeof PART_NAMES)[number];
export type Parts = Partial<Record<PartName, string>>;

export interface PartSpec {
  name: PartName;
  required: boolean;
  /** One line of plain text (a subject, a title, a URL): newlines in the output become spaces. */
  line?: boolean;
  /** MJML sections, wrapped in the locale's email layout and compiled to HTML. */
  mjml?: boolean;
  /** Longest source accepted. */
  maxLength: number;
  /** May render to nothing (a follow has no in-app body). */
  allowEmpty?: boolean;
}

const line = (name: PartName, required: boolean, maxLength = 1000): PartSpec => ({ name, required, line: true, maxLength });
const text = (name: PartName, required: boolean, maxLength = 10_000, allowEmpty = false): PartSpec => ({ name, required, maxLength, allowEmpty });

/** The parts of each channel's templates, in the order they are shown. */
export const CHANNEL_PARTS: Readonly<Record<Channel, readonly PartSpec[]>> = Object.freeze({
  in_app: [line('title', true), text('body', true, 10_000, true)],
  email: [line('subject', true), line('preheader', false), { name: 'body', required: true, mjml: true, maxLength: 100_000 }],
  sms: [text('body', true, 2000)],
  slack: [text('body', true)],
  push: [line('title', true), text('body', true, 2000, true), line('url', false, 2000)],
});

export function partsOf(channel: Channel): readonly PartSpec[] {
  return CHANNEL_PARTS[channel];
}

/** The language every chain ends with: it must have a template for every type and channel. */
export const BASE_LOCALE = 'en';

/** `es_mx`, `ES-mx` → `es-MX`; undefined for what is not a BCP 47 tag (or longer than the column). */
export function canonicalLocale(tag: string | null | undefined): string | undefined {
  if (!tag) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'));
    return canonical && canonical.length <= 35 ? canonical : undefined;
  } catch {
    return undefined;
  }
}

export const languageOf = (locale: string): string => locale.split('-')[0]!.toLowerCase();

/** Where a person's templates are looked for: the exact tag (`pt-BR`), its language (`pt`), then `en`. */
export function localeChain(tag: string | null | undefined): string[] {
  const exact = canonicalLocale(tag);
  const chain = exact ? [exact, languageOf(exact)] : [];
  chain.push(BASE_LOCALE);
  return [...new Set(chain)];
}

export const templateKey = (type: string, channel: string, locale: string) => `${type}/${channel}/${locale}`;
