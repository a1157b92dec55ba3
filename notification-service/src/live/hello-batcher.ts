import type { Logger } from '@herald/platform';
import type { LiveInbox } from './hub-context.js';
import type { PresenceKeeper } from './presence-keeper.js';
import { CLOSE, encodeHello } from './protocol.js';
import type { Session } from './session.js';

type StreamHead = { unread: number; seq: number };

/**
 * Sockets greeted by one flush at most. Its presence pipeline is 4 Redis commands a user, and like
 * the refresh's (presence-keeper.ts) it must not hold the connection deliveries use for long.
 */
const MAX_BATCH = 500;
/**
 * Flushes under way at once. One: every socket accepted during a flush (a presence round trip and a
 * query) joins the next, so the batches grow with the load, while a lone socket is flushed at once.
 */
const MAX_IN_FLIGHT = 1;

/** What the batcher needs from the hub. */
export interface HelloHost {
  readonly presence: PresenceKeeper;
  readonly inbox: LiveInbox;
  readonly logger: Logger;
  countFor(userId: string): number;
  /** Hello was sent and the session is still opening: it goes live, or catches up first. */
  greeted(session: Session): void;
}

interface Batch {
  readonly sessions: Session[];
  /** Users whose first socket here is in this batch: the batch registers their presence. */
  readonly first: Set<string>;
  /** What the sessions' client frames wait for (Session.opening). */
  readonly done: Promise<void>;
  resolve(): void;
}

/**
 * Says hello to opening sockets in batches: one presence pipeline and one stream-head query for every
 * socket accepted while the previous flush ran, instead of a Redis round trip and a PostgreSQL query
 * each: when everyone reconnects at once (a deploy, a network blip) the batches grow with the load.
 * Nothing waits on a timer: a flush starts on the next turn of the event loop unless one is under
 * way, so a lone socket is greeted as soon as it would have been.
 *
 * Presence is registered before the stream head is read, so every notification committed after the
 * read reaches the socket live (held until hello). A socket that closes while queued is left out;
 * one that closes while its flush runs is released after the registration, on the same connection.
 */
export class HelloBatcher {
  private readonly queue: Batch[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly host: HelloHost) {}

  /** `first`: the user had no other socket here, so their presence must be registered. */
  add(session: Session, first: boolean): void {
    let batch = this.queue.at(-1);
    if (!batch || batch.sessions.length >= MAX_BATCH) this.queue.push((batch = newBatch()));
    batch.sessions.push(session);
    if (first) batch.first.add(session.userId);
    session.opening = batch.done;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a timer: the sockets accepted in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) this.start(this.queue.shift()!);
    });
  }

  private start(batch: Batch): void {
    this.inFlight++;
    void this.flush(batch).finally(() => {
      this.inFlight--;
      this.schedule();
    });
  }

  private async flush(batch: Batch): Promise<void> {
    const open = batch.sessions.filter((s) => s.state !== 'closed');
    try {
      if (open.length > 0) await this.greet(open, batch.first);
    } catch (err) {
      this.host.logger.error({ err, sockets: open.length }, 'hello batch failed');
      for (const session of open) if (session.state === 'opening') session.close(CLOSE.INTERNAL, 'could not open the session: reconnect later');
    } finally {
      for (const session of batch.sessions) session.opening = undefined;
      batch.resolve();
    }
  }

  private async greet(sessions: Session[], first: Set<string>): Promise<void> {
    const users = [...new Set(sessions.map((s) => s.userId))];
    // A user whose queued sockets all closed has count 0 and was released: not registered again.
    const register = users.filter((userId) => first.has(userId) && this.host.countFor(userId) > 0);
    await this.host.presence.registerOpening(register, users);
    let heads: Map<string, StreamHead>;
    try {
      heads = await this.heads(users);
    } catch (err) {
      this.host.logger.warn({ err, sockets: sessions.length }, 'could not open live sessions');
      for (const session of sessions) session.close(CLOSE.INTERNAL, 'inbox unavailable: reconnect later');
      return;
    }
    for (const session of sessions) {
      if (session.state === 'closed') continue;
      const head = heads.get(session.userId) ?? { unread: 0, seq: 0 };
      session.send(encodeHello(session.id, head.unread, head.seq));
      if (session.state === 'opening') this.host.greeted(session);
    }
  }

  private heads(users: readonly string[]): Promise<Map<string, StreamHead>> {
    return this.host.inbox.streamHeads(users);
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { sessions: [], first: new Set(), done, resolve };
}
