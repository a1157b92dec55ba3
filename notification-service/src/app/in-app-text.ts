import type { Notification } from '../domain/notification.js';

/**
 * The words of an inbox item in its recipient's language (the in_app templates, docs/templates.md).
 * A draft is written once per event, in English; fan-out asks this, per chunk, to rewrite each
 * item's title and body for the person it is for.
 */
export interface InAppText {
  /** Before a chunk's transaction: the recipients' languages (one query) and current templates. */
  prepare(recipientIds: readonly string[]): Promise<InAppWords>;
}

/**
 * Rewrites `notification.title` and `.body` for the recipient. `shared` is the draft the item was
 * made from: items of one draft in one language say the same, so they are rendered once.
 */
export type InAppWords = (notification: Notification, recipientId: string, shared?: object) => void;
