// How a Notification reads and where it leads. Grouped items carry `count` (everyone in the group,
// the named actor included), so count 5 reads "Ana and 4 others liked your post".

const VERBS = {
  follow: 'followed you',
  post: 'published a new post',
  comment: 'commented on your post',
  like: 'liked your post',
  mention: 'mentioned you',
  message: 'sent you a message',
};

// Symbols found in common system fonts (no emoji font needed).
const ICONS = {
  follow: '+', post: '✎', comment: '“', like: '♥', mention: '@', message: '✉',
  alert: '⚠', reminder: '◷', system: 'ℹ',
};

export function actorName(actor) {
  return actor?.displayName || actor?.username || 'Someone';
}

/** The one line that says what happened. */
export function headline(n) {
  const count = Number.isInteger(n.count) && n.count > 1 ? n.count : 1;
  const verb = VERBS[n.type];
  if (verb && n.actor && count > 1) {
    const others = count - 1;
    return `${actorName(n.actor)} and ${others} ${others === 1 ? 'other' : 'others'} ${verb}`;
  }
  if (n.title) return n.title;
  if (verb) return `${actorName(n.actor)} ${verb}`;
  return n.type ? `New ${n.type} notification` : 'New notification';
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
