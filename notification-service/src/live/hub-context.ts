import type { Logger } from '@herald/platform';
import type { AddressedFrame, Clock, InboxStore } from '../domain/ports.js';
import type { LiveMetrics } from './metrics.js';
import type { LiveOptions } from './options.js';

/**
 * The part of the inbox the live layer reads: the resume query, counts, the stream heads for hello
 * (a whole batch of hellos in one query), and marking read.
 */
export type LiveInbox = Pick<InboxStore, 'listAfter' | 'unreadCount' | 'markRead' | 'unreadCounts' | 'streamHead' | 'streamHeads'>;

/** What the client-frame handlers use from the hub. */
export interface HubContext {
  readonly inbox: LiveInbox;
  readonly options: LiveOptions;
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  deliver(frames: readonly AddressedFrame[]): Promise<{ online: Set<string> }>;
}
