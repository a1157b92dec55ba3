import type { DirectMessagePolicy } from '@herald/contracts';
import type { Mention } from './model.js';

/**
 * Who may reach whom (docs/adr/0012): a block between two people stops direct messages and mentions
 * both ways; a person's direct-message policy decides who else may message them. Pure: the facts
 * come from this service's projections of user-service's events.
 */

/** What a person who never chose gets, and what every account had before the setting existed. */
export const DEFAULT_DIRECT_MESSAGES: DirectMessagePolicy = 'everyone';

/** What decides whether a sender may message a recipient, as the projections know it now. */
export interface MessagingRelation {
  /** Either blocks the other. */
  blocked: boolean;
  /** The recipient's policy; null when no event has set one (the default applies). */
  recipientPolicy: DirectMessagePolicy | null;
  /** The recipient follows the sender. */
  recipientFollowsSender: boolean;
}

export type MessageVerdict = 'allowed' | 'blocked' | 'restricted';

/** A block wins over everything; then the recipient's policy. */
export function messageVerdict(relation: MessagingRelation): MessageVerdict {
  if (relation.blocked) return 'blocked';
  const policy = relation.recipientPolicy ?? DEFAULT_DIRECT_MESSAGES;
  if (policy === 'following' && !relation.recipientFollowsSender) return 'restricted';
  return 'allowed';
}

/**
 * The mentions that stand: every resolved name except people with a block between them and the
 * writer (the text keeps the @name as written; it just links and notifies nobody).
 */
export function mentionsThatStand(mentions: readonly Mention[], blockedWithWriter: ReadonlySet<string>): Mention[] {
  return mentions.filter((m) => !blockedWithWriter.has(m.userId));
}
