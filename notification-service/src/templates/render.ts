import type { Channel } from '../domain/notification.js';
import { canonicalTimeZone } from '../domain/local-time.js';
import { canonicalLocale, languageOf, localeChain, templateKey, type TemplateType } from './catalog.js';
import { messageAlong, type Builtins } from './builtin.js';
import { emailText, tidyText, type CompiledTemplate } from './compile.js';
import type { RenderLocale } from './helpers.js';
import { fitSms, smsEncoding, smsSegments, type SmsEncoding } from './sms.js';

/** What one template says on its channel. */
export type RenderedMessage =
  | { channel: 'in_app'; title: string; body: string }
  | { channel: 'email'; subject: string; preheader: string; html: string; text: string }
  | { channel: 'sms'; text: string; segments: number; encoding: SmsEncoding }
  | { channel: 'slack'; text: string }
  | { channel: 'push'; title: string; body: string; url: string };

/** Slack mrkdwn: &, < and > are markup, so every value is escaped before the template runs. */
const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

/** One line: a subject, a title, a URL. */
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

export interface Person {
  locale?: string | null;
  timeZone?: string | null;
}

/** What only some renders add: the open pixel and why an email was sent (the layout's footer). */
export interface RenderExtras {
  pixel?: string;
  reason?: 'away' | 'digest';
  strict?: boolean;
}

/**
 * The templates in use at one moment: the built-in files and the operators' current versions
 * (compiled), and the choice between them along a person's locale chain. Immutable: a refresh
 * builds a new set, so a render never sees half of a change.
 */
export class TemplateSet {
  constructor(
    readonly builtins: Builtins,
    readonly custom: ReadonlyMap<string, CompiledTemplate>,
  ) {}

  /** The template for a person's locale: exact tag, then its language, then `en`; an operator's version before the file at each step. */
  resolve(type: TemplateType, channel: Channel, locale: string | null | undefined): CompiledTemplate {
    for (const candidate of localeChain(locale)) {
      const key = templateKey(type, channel, candidate);
      const found = this.custom.get(key) ?? this.builtins.templates.get(key);
      if (found) return found;
    }
    throw new Error(`no template ${templateKey(type, channel, 'en')}`);
  }

  /**
   * How to format for this person with this template: in their own locale when the template is in
   * their language (es-MX dates in a Spanish template), else in the template's; in their zone.
   */
  renderLocale(template: CompiledTemplate, person: Person, strict = false): RenderLocale {
    const own = canonicalLocale(person.locale);
    const intl = own && languageOf(own) === languageOf(template.locale) ? own : template.locale;
    const timeZone = (person.timeZone && canonicalTimeZone(person.timeZone)) || 'UTC';
    const chain = localeChain(template.locale);
    return { intl, timeZone, strict, message: (key) => messageAlong(this.builtins.assets, chain, key) };
  }

  render(template: CompiledTemplate, vars: Record<string, unknown>, rl: RenderLocale, extras: RenderExtras = {}): RenderedMessage {
    const part = (name: 'subject' | 'preheader' | 'title' | 'body' | 'url', data: Record<string, unknown> = vars) => template.render[name]?.(data, rl);
    switch (template.channel) {
      case 'in_app':
        return { channel: 'in_app', title: part('title') ?? '', body: part('body') ?? '' };
      case 'email': {
        const subject = oneLine(part('subject') ?? '');
        const preheader = oneLine(part('preheader') ?? '');
        const layoutVars = { ...vars, subject, preheader, pixel: extras.pixel ?? '', reason: extras.reason ?? 'away' };
        const html = part('body', layoutVars) ?? '';
        const text = template.text ? template.text(layoutVars, rl) : emailText(html);
        return { channel: 'email', subject, preheader, html, text: tidyText(text) };
      }
      case 'sms': {
        const link = typeof vars.link === 'string' ? vars.link : '';
        const text = fitSms((part('body') ?? '').trim(), link);
        return { channel: 'sms', text, segments: smsSegments(text), encoding: smsEncoding(text) };
      }
      case 'slack':
        return { channel: 'slack', text: (part('body', mapStrings(vars, escapeSlack) as Record<string, unknown>) ?? '').trim() };
      case 'push': {
        const url = part('url');
        return { channel: 'push', title: oneLine(part('title') ?? ''), body: (part('body') ?? '').trim(), url: url === undefined ? String(vars.link ?? '') : oneLine(url) };
      }
    }
  }
}
