import { catchUpStart } from './catch-up.js';
import { CatchUpQueue } from './catch-up-queue.js';
import type { HubContext } from './hub-context.js';
import { catchUpSession } from './resume.js';
import type { Session } from './session.js';

/**
 * The server catch-ups of one hub's sessions. A session asked to catch up holds its live frames
 * from that moment (so they go out after the replay, in order) and pages the inbox from where it
 * stood once its turn in the queue comes and `ready` has settled. An opening session is queued by
 * the hub after its hello; a resuming one pages again before going live (resume.ts).
 */
export class SessionCatchUps {
  private readonly queue: CatchUpQueue<Session>;
  /** Sessions held whose queries wait for `ready`. */
  private waiting = 0;
  private closed = false;

  constructor(ctx: HubContext, concurrency: number) {
    this.queue = new CatchUpQueue(concurrency, (session) => catchUpSession(ctx, session), (session) => session.state === 'closed');
  }

  /** Sessions waiting for or running a catch-up. */
  get count(): number {
    return this.queue.pending + this.queue.active + this.waiting;
  }

  /**
   * `after`: the sender's hint (catch-up.ts). `stillInTrouble`: this instance's own Redis trouble
   * goes on, so each session marks a new gap right away for the next catch-up.
   */
  request(sessions: Iterable<Session>, after: string | undefined, stillInTrouble: boolean, ready: Promise<unknown>[]): void {
    const held: Session[] = [];
    for (const session of sessions) {
      if (session.state === 'closed') continue;
      session.owe(catchUpStart(session, after));
      if (stillInTrouble) session.markGap();
      if (session.state !== 'live') continue;
      session.startResume(false);
      held.push(session);
    }
    if (held.length === 0) return;
    this.waiting += held.length;
    void Promise.allSettled(ready).then(() => {
      this.waiting -= held.length;
      if (!this.closed) for (const session of held) this.queue.push(session);
    });
  }

  /** A session that was owed a catch-up while it opened, now that it said hello. */
  enqueue(session: Session): void {
    session.startResume(false);
    this.queue.push(session);
  }

  close(): void {
    this.closed = true;
    this.queue.clear();
  }
}
