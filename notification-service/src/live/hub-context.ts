import type { Logger } from '@herald/platform';
import type { AddressedFrame, Clock, InboxStore } from '../domain/ports.js';
import type { LiveMetrics } from './metrics.js';
import type { LiveOptions } from './options.js';

/**
 * The part of the inbox the live layer reads: the resume query, counts, the stream head for hello, and
 * marking read. `streamHeads` answers a whole batch of hellos in one query; an inbox without it (a
 * stand-in) is asked user by user.
 */
export type LiveInbox = Pick<InboxStore, 'listAfter' | 'unreadCount' | 'markRead' | 'unreadCounts' | 'streamHead'> &
  Partial<Pick<InboxStore, 'streamHeads'>>;

/** What the client-frame handlers use from the hub. */
export interface HubContext {
  readonly inbox: LiveInbox;
  readonly options: LiveOptions;
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  deliver(frames: readonly AddressedFrame[]): Promise<{ online: Set<string> }>;
}
