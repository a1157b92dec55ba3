import type { Actor, NotificationType } from './notification.js';

/**
 * The words of a notification, in English: what a draft is written with. Each recipient's inbox
 * item is then worded by the in_app template of their language (docs/templates.md), whose English
 * files say exactly this. Grammar that differs between languages (how "Ana and 4 others" is built)
 * belongs to the phrasebook too.
 */

export interface RenderInput {
  type: NotificationType;
  /** Latest first; only the first two are named. */
  actors?: readonly Actor[];
  /** How many distinct people the item stands for (a group); defaults to the actors given. */
  count?: number;
  /** The post, comment or message excerpt: it becomes the body. */
  excerpt?: string;
  /** Where a mention happened. */
  mentionedIn?: 'post' | 'comment';
  /** Given by callers of the send API (alert, reminder, system); the phrasebook supplies a fallback. */
  title?: string;
  body?: string;
}

export interface Rendered {
  title: string;
  body: string;
}

interface Vars {
  who: string;
  excerpt: string;
  mentionedIn: 'post' | 'comment';
  title?: string | undefined;
  body?: string | undefined;
}

interface Phrasebook {
  /** "Ana", "Ana and Bo", "Ana and 4 others" from names (latest first) and the total count. */
  people(names: readonly string[], count: number): string;
  templates: Record<NotificationType, (v: Vars) => Rendered>;
}

const en: Phrasebook = {
  people(names, count) {
    const [first, second] = names;
    if (first === undefined) return count > 1 ? `${count} people` : 'Someone';
    if (count <= 1) return first;
    if (count === 2 && second !== undefined) return `${first} and ${second}`;
    const others = count - 1;
    return `${first} and ${others} ${others === 1 ? 'other' : 'others'}`;
  },
  templates: {
    follow: (v) => ({ title: `${v.who} followed you`, body: '' }),
    post: (v) => ({ title: `${v.who} posted`, body: v.excerpt }),
    comment: (v) => ({ title: `${v.who} commented on your post`, body: v.excerpt }),
    like: (v) => ({ title: `${v.who} liked your post`, body: v.excerpt }),
    mention: (v) => ({ title: `${v.who} mentioned you in a ${v.mentionedIn}`, body: v.excerpt }),
    message: (v) => ({ title: `${v.who} sent you a message`, body: v.excerpt }),
    alert: (v) => ({ title: v.title || 'Alert', body: v.body ?? '' }),
    reminder: (v) => ({ title: v.title || 'Reminder', body: v.body ?? '' }),
    system: (v) => ({ title: v.title || 'Herald', body: v.body ?? '' }),
  },
};

const PHRASEBOOKS = { en } satisfies Record<string, Phrasebook>;
export type Locale = keyof typeof PHRASEBOOKS;
export const LOCALES = Object.keys(PHRASEBOOKS) as Locale[];
export const DEFAULT_LOCALE: Locale = 'en';

/** 'en-GB' → 'en'; a language we have no words for falls back to English rather than failing. */
export function resolveLocale(tag: string | undefined): Locale {
  const language = (tag ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  return (LOCALES as string[]).includes(language) ? (language as Locale) : DEFAULT_LOCALE;
}

/** A person is shown by display name; an empty one (allowed at sign-up) falls back to the username. */
export function nameOf(actor: Actor): string {
  return actor.displayName.trim() || actor.username;
}

function distinctNames(actors: readonly Actor[]): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const actor of actors) {
    if (seen.has(actor.id)) continue;
    seen.add(actor.id);
    names.push(nameOf(actor));
  }
  return names;
}

export function render(input: RenderInput, locale: string = DEFAULT_LOCALE): Rendered {
  const book = PHRASEBOOKS[resolveLocale(locale)];
  const names = distinctNames(input.actors ?? []);
  const count = Math.max(input.count ?? names.length, names.length, 1);
  return book.templates[input.type]({
    who: book.people(names, count),
    excerpt: input.excerpt ?? '',
    mentionedIn: input.mentionedIn ?? 'post',
    title: input.title,
    body: input.body,
  });
}
