import { OUT_OF_BAND, type OutOfBandChannel } from './channels.js';
import { addressFor, undeliverableKey, type Addresses } from './fallback-rules.js';
import { groupHeadOf } from './grouping.js';
import type { Actor, Notification, NotificationType } from './notification.js';
import { isChannelOn, type Preferences } from './preferences.js';
import { nameOf } from './render.js';

/**
 * What a digest says (pure; docs/channels.md "Digests"). A digest lists the items held for it the
 * way the inbox shows them: only live heads (a grouped item that grew was superseded by its
 * successor, whose row is the one held, so nothing is counted twice), each grouped item (likes of
 * one post, follows) as one line with the inbox's own count and words ("Ana and 12 others liked your
 * post"), and the rest grouped by what they are about: comments and mentions by post, messages
 * and posts by who sent them ("3 new comments on your post"). A line is what the digest counts:
 * most lines are one inbox item, and a line of several says how many.
 */

/** Lines listed in one digest; the rest are summed up as "and N more". */
export const MAX_DIGEST_ENTRIES = 10;

export interface DigestEntry {
  type: NotificationType;
  /** The inbox item's own title for a single item; the group's line otherwise. */
  title: string;
  /** The newest item's body (an excerpt). */
  body: string;
  /** People (a grouped item: the inbox's `count`) or items (a line of several items). */
  count: number;
  /** The inbox items in the line, newest first. */
  notificationIds: string[];
  /** The newest item's creation time. */
  createdAt: string;
}

export interface DigestContent {
  /** The lines listed (at most MAX_DIGEST_ENTRIES), newest first. */
  entries: DigestEntry[];
  /** Every line of the digest, listed or not: what its headline counts ("4 new notifications"). */
  total: number;
  /** Lines not listed ("and 3 more"). */
  more: number;
  /** Inbox items covered (live heads). */
  notifications: number;
}

/** The thread an ungrouped item belongs to, or null when it stands alone. */
function threadOf(item: Notification): string | null {
  const postId = typeof item.data.postId === 'string' ? item.data.postId : null;
  switch (item.type) {
    case 'comment':
      return postId && `comment:${postId}`;
    case 'mention':
      return postId && `mention:${postId}`;
    case 'message':
      return item.actor ? `message:${item.actor.id}` : null;
    case 'post':
      return item.actor ? `post:${item.actor.id}` : null;
    default:
      return null;
  }
}

interface Phrases {
  people(names: readonly string[], count: number): string;
  several(type: NotificationType, n: number, who: string): string;
}

const en: Phrases = {
  people(names, count) {
    const [first, second] = names;
    if (first === undefined) return count > 1 ? `${count} people` : 'Someone';
    if (count <= 1) return first;
    if (count === 2 && second !== undefined) return `${first} and ${second}`;
    const others = count - 1;
    return `${first} and ${others} ${others === 1 ? 'other' : 'others'}`;
  },
  several(type, n, who) {
    switch (type) {
      case 'comment':
        return `${n} new comments on your post`;
      case 'mention':
        return `${who} mentioned you ${n} times`;
      case 'message':
        return `${who} sent you ${n} messages`;
      case 'post':
        return `${who} published ${n} posts`;
      default:
        return `${n} new notifications`;
    }
  },
};

const es: Phrases = {
  people(names, count) {
    const [first, second] = names;
    if (first === undefined) return count > 1 ? `${count} personas` : 'Alguien';
    if (count <= 1) return first;
    if (count === 2 && second !== undefined) return `${first} y ${second}`;
    return `${first} y ${count - 1} más`;
  },
  several(type, n, who) {
    switch (type) {
      case 'comment':
        return `${n} comentarios nuevos en tu publicación`;
      case 'mention':
        return `${who} te mencionó ${n} veces`;
      case 'message':
        return `${who} te envió ${n} mensajes`;
      case 'post':
        return `${who} publicó ${n} publicaciones`;
      default:
        return `${n} notificaciones nuevas`;
    }
  },
};

const PHRASES: Record<string, Phrases> = { en, es };

/** 'es-MX' → the Spanish words; a language without words of its own reads English. */
function phrasesFor(locale: string | undefined): Phrases {
  return PHRASES[(locale ?? '').toLowerCase().split(/[-_]/)[0] ?? ''] ?? en;
}

function distinctActors(items: readonly Notification[]): Actor[] {
  const seen = new Set<string>();
  const out: Actor[] = [];
  for (const item of items) {
    if (!item.actor || seen.has(item.actor.id)) continue;
    seen.add(item.actor.id);
    out.push(item.actor);
  }
  return out;
}

/**
 * The digest of these items (any order; each a live head). Lines are newest first; at most
 * MAX_DIGEST_ENTRIES are listed, `more` counts the items left out.
 */
export function digestContent(items: readonly Notification[], locale?: string): DigestContent {
  const phrases = phrasesFor(locale);
  const newestFirst = [...items].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  const lines = new Map<string, Notification[]>();
  for (const item of newestFirst) {
    // A grouped item is already its group (the inbox's line); ungrouped ones gather by thread.
    const key = item.groupKey !== undefined ? `group:${item.id}` : (threadOf(item) ?? `item:${item.id}`);
    const line = lines.get(key);
    if (line) line.push(item);
    else lines.set(key, [item]);
  }
  const entries: DigestEntry[] = [];
  for (const line of lines.values()) {
    const newest = line[0]!;
    const ids = line.map((i) => i.id);
    if (line.length === 1) {
      const count = newest.groupKey !== undefined ? groupHeadOf(newest).count : 1;
      entries.push({ type: newest.type, title: newest.title, body: newest.body, count, notificationIds: ids, createdAt: newest.createdAt });
      continue;
    }
    const actors = distinctActors(line);
    const who = phrases.people(actors.map(nameOf), actors.length);
    entries.push({ type: newest.type, title: phrases.several(newest.type, line.length, who), body: newest.body, count: line.length, notificationIds: ids, createdAt: newest.createdAt });
  }
  const listed = entries.slice(0, MAX_DIGEST_ENTRIES);
  return { entries: listed, total: entries.length, more: entries.length - listed.length, notifications: items.length };
}

/** What becomes of one held delivery row when its digest runs. */
export type DigestRowDecision =
  | { status: 'queued'; address: string }
  | { status: 'skipped'; reason: 'channel_off' | 'type_off' | 'no_address' | 'no_push_subscription' | 'undeliverable' | 'not_supported' }
  | { status: 'cancelled'; reason: 'read' | 'superseded' };

export interface DigestRowQuestion {
  channel: OutOfBandChannel;
  type: NotificationType;
  read: boolean;
  superseded: boolean;
  preferences: Preferences;
  addresses: Addresses;
  /** `channel|address` pairs that bounced. */
  undeliverable: ReadonlySet<string>;
}

/**
 * Preferences and addresses are read again when the digest runs, as when a fallback timer fires: a
 * channel switched off since, or an address that bounced, is honoured. A row of an item read or
 * superseded meanwhile (normally settled already by the read or the merge) is cancelled.
 */
export function decideDigestRow(q: DigestRowQuestion): DigestRowDecision {
  if (q.read) return { status: 'cancelled', reason: 'read' };
  if (q.superseded) return { status: 'cancelled', reason: 'superseded' };
  if (!OUT_OF_BAND[q.channel].enabled) return { status: 'skipped', reason: 'not_supported' };
  if (!q.preferences.channels[q.channel]) return { status: 'skipped', reason: 'channel_off' };
  if (!isChannelOn(q.preferences, q.type, q.channel)) return { status: 'skipped', reason: 'type_off' };
  const address = addressFor(q.channel, q.addresses);
  if (!address) return { status: 'skipped', reason: OUT_OF_BAND[q.channel].address === 'pushSubscription' ? 'no_push_subscription' : 'no_address' };
  if (q.undeliverable.has(undeliverableKey(q.channel, address))) return { status: 'skipped', reason: 'undeliverable' };
  return { status: 'queued', address };
}
