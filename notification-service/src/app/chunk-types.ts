import type { Channel, Notification, NotificationDraft } from '../domain/notification.js';
import type { InboxUnitOfWork } from '../domain/ports.js';

// What one chunk delivery takes and gives back: apart from deliver-chunk.ts so AppDeps (deps.ts)
// can name the chunk batcher's type without importing the code that imports AppDeps.

export interface ChunkInput {
  /** With the recipient, the idempotency key: (eventId, recipient) is claimed once, ever. */
  eventId: string;
  draft: NotificationDraft;
  recipientIds: readonly string[];
  /** Send API: only these channels may be used. */
  channels?: readonly Channel[];
  /** Send API: who sent it (they may read its delivery status). */
  senderId?: string;
  /**
   * Recipients an earlier target of the same event reached in this same handling: finding their
   * receipts claimed is expected (one notification per person and event), not a redelivery.
   */
  reachedBefore?: ReadonlySet<string>;
  /** Extra writes in the chunk's transaction, given what it created (the send API's record). */
  within?: (uow: InboxUnitOfWork, created: readonly Created[]) => Promise<void>;
}

export interface Created {
  recipientId: string;
  notification: Notification;
  inInbox: boolean;
  /** Whether an out-of-band timer was set for someone who was away before the push (the settle checks these). */
  fallback?: boolean;
}

export interface ChunkResult {
  created: Created[];
  /** Recipients who had a live session when the frames went out. */
  online: Set<string>;
}
