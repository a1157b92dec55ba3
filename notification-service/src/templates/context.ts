import type { Actor, Notification } from '../domain/notification.js';
import { nameOf, render as renderDefault } from '../domain/render.js';
import type { Recipient } from './recipients.js';

/**
 * The variables of a notification as its templates see them (templates/variables.ts): plain JSON,
 * rebuilt from the stored item, so an in-app title rendered at fan-out and an email rendered two
 * minutes later say the same thing.
 */

export interface Links {
  /** PUBLIC_URL. */
  appUrl: string;
  /** The tracked link to the item (out-of-band channels). */
  link?: string;
  settingsUrl?: string;
}

const SENT_TYPES = new Set(['alert', 'reminder', 'system']);

/** The English words the send API fills in when the caller gave no title ("Alert"): not the caller's own. */
const DEFAULT_TITLES = new Map(['alert', 'reminder', 'system'].map((type) => [type, renderDefault({ type: type as 'alert' }).title]));

function isActor(value: unknown): value is Actor {
  const a = value as Partial<Actor> | null;
  return typeof a === 'object' && a !== null && typeof a.id === 'string' && typeof a.username === 'string' && typeof a.displayName === 'string';
}

/** The item's people, latest first, each once: the group's (`data.actors`) or the one actor. */
function actorsOf(n: Notification): Actor[] {
  const stored = Array.isArray(n.data.actors) ? n.data.actors.filter(isActor) : [];
  const actors = stored.length > 0 ? stored : n.actor ? [n.actor] : [];
  return actors.filter((a, i) => actors.findIndex((b) => b.id === a.id) === i);
}

export function notificationVars(n: Notification, recipient: Recipient | undefined, links: Links): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    recipient: { name: recipient?.name ?? '', username: recipient?.username ?? '' },
    createdAt: n.createdAt,
    priority: n.priority,
    appUrl: links.appUrl,
  };
  if (links.link !== undefined) vars.link = links.link;
  if (links.settingsUrl !== undefined) vars.settingsUrl = links.settingsUrl;
  if (SENT_TYPES.has(n.type)) {
    vars.title = n.title === DEFAULT_TITLES.get(n.type) ? '' : n.title;
    vars.body = n.body;
    vars.data = JSON.parse(JSON.stringify(n.data ?? {})) as unknown;
    return vars;
  }
  const people = actorsOf(n).map((a) => ({ name: nameOf(a), username: a.username }));
  vars.actors = people;
  if (people[0]) vars.actor = people[0];
  vars.count = Math.max(n.count ?? people.length, people.length, 1);
  vars.excerpt = typeof n.data.excerpt === 'string' ? n.data.excerpt : '';
  if (n.type === 'mention') vars.mentionedIn = n.data.mentionedIn === 'comment' ? 'comment' : 'post';
  return vars;
}

/** One item of a digest, as the digest templates list it. */
export interface DigestItem {
  type: string;
  title: string;
  body: string;
  count: number;
  createdAt: string;
  link: string;
}

export interface DigestInput {
  items: readonly DigestItem[];
  /** Notifications the digest covers; at least items.length. */
  total: number;
  period: 'daily' | 'weekly';
}

export function digestVars(digest: DigestInput, recipient: Recipient | undefined, links: Links & { link: string; settingsUrl: string }, at: Date): Record<string, unknown> {
  const items = digest.items.map((i) => ({ type: i.type, title: i.title, body: i.body, count: i.count, createdAt: i.createdAt, link: i.link }));
  const total = Math.max(digest.total, items.length);
  return {
    recipient: { name: recipient?.name ?? '', username: recipient?.username ?? '' },
    createdAt: at.toISOString(),
    priority: 'normal',
    appUrl: links.appUrl,
    link: links.link,
    settingsUrl: links.settingsUrl,
    items,
    total,
    more: total - items.length,
    period: digest.period,
  };
}
