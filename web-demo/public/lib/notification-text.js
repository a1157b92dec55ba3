// @ts-check
// How a Notification reads and where it leads. Grouped items carry `count` (everyone in the group,
// the named actor included), so count 5 reads "Ana and 4 others liked your post". The server's
// title is already in the person's language (docs/templates.md); what is composed here comes from
// the catalogs (`notif.<type>` and `notif.<type>.group`, lib/i18n.js).
import { t } from './i18n.js';

/** The types whose headline names who did it. */
export const ACTOR_TYPES = ['follow', 'post', 'comment', 'like', 'mention', 'message'];

// Symbols found in common system fonts (no emoji font needed).
const ICONS = {
  follow: '+', post: '✎', comment: '“', like: '♥', mention: '@', message: '✉',
  alert: '⚠', reminder: '◷', system: 'ℹ',
};

export function actorName(actor) {
  return actor?.displayName || actor?.username || t('notif.someone');
}

/** The one line that says what happened. */
export function headline(n) {
  const count = Number.isInteger(n.count) && n.count > 1 ? n.count : 1;
  const known = ACTOR_TYPES.includes(n.type);
  if (known && n.actor && count > 1) return t(`notif.${n.type}.group`, { name: actorName(n.actor), count: count - 1 });
  if (n.title) return n.title;
  if (known) return t(`notif.${n.type}`, { name: actorName(n.actor) });
  return n.type ? t('notif.newOfType', { type: n.type }) : t('notif.new');
}

/** Secondary text (an excerpt), unless it only repeats the headline. */
export function detail(n) {
  const body = typeof n.body === 'string' ? n.body.trim() : '';
  return body && body !== headline(n) ? body : '';
}

export function iconFor(n) {
  return ICONS[n.type] ?? '•';
}

/** The in-app route a notification points at, or null. */
export function routeFor(n) {
  const { object, actor, data } = n;
  if (object?.kind === 'post' && object.id) return `#/p/${encodeURIComponent(object.id)}`;
  if (object?.kind === 'comment' && typeof data?.postId === 'string') return `#/p/${encodeURIComponent(data.postId)}`;
  if (typeof data?.postId === 'string') return `#/p/${encodeURIComponent(data.postId)}`;
  if (object?.kind === 'user' && object.id) return `#/u/${encodeURIComponent(object.id)}`;
  if (actor?.id) return `#/u/${encodeURIComponent(actor.id)}`;
  return null;
}
