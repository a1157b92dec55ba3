import type { HubContext } from './hub-context.js';
import { maxId } from './catch-up.js';
import { CLOSE, encodeError, encodeLive } from './protocol.js';
import type { Session } from './session.js';

/**
 * `resume after X` without a gap or a duplicate (docs/architecture.md invariant 3). The session's presence was
 * registered before it said hello, so every notification committed after a page query's snapshot
 * is delivered to it live; while the replay runs those live frames are held. The inbox is paged
 * oldest first; then the held frames go out, minus the ids the replay already sent. Each page waits
 * until the previous one has left for the client, so a large backlog cannot pile up in memory.
 *
 * A server catch-up owed meanwhile (Redis trouble) merges into a running resume, and the other way
 * round: the replay pages again from the owed id before going live.
 */
export async function resumeSession(ctx: HubContext, session: Session, after: string): Promise<void> {
  if (session.isResuming) {
    if (session.resumeByClient) {
      session.send(encodeError('resume_in_progress', 'a resume is already running on this socket'));
      return;
    }
    session.cursor = maxId(session.cursor, after);
    session.owe(after);
    return;
  }
  session.cursor = maxId(session.cursor, after);
  session.startResume(true);
  return replay(ctx, session, after, false);
}

/**
 * The server's own catch-up, for a session the hub put in `resuming` and queued: the same procedure
 * from the id it is owed, then the current unread count (count frames may have been lost too). If
 * the inbox cannot be read the socket is closed with 4001, so the client reconnects and resumes:
 * an error frame could be missed by a client that never asked for anything.
 */
export async function catchUpSession(ctx: HubContext, session: Session): Promise<void> {
  if (!session.isResuming) return;
  const from = session.takePending();
  if (from === undefined) return session.goLive();
  return replay(ctx, session, from, true);
}

async function replay(ctx: HubContext, session: Session, from: string, byServer: boolean): Promise<void> {
  let cursor = from;
  try {
    for (;;) {
      if (!(await pages(ctx, session, cursor))) return;
      const owed = session.takePending();
      if (owed !== undefined) {
        byServer = true;
        cursor = owed;
        continue;
      }
      if (!byServer) break;
      const count = await ctx.inbox.unreadCount(session.userId);
      if (!session.isResuming) return;
      const late = session.takePending();
      if (late !== undefined) {
        cursor = late;
        continue;
      }
      session.write(encodeLive({ type: 'unread_count', count }));
      break;
    }
  } catch (err) {
    if (!session.isResuming) return;
    ctx.logger.warn({ err, sessionId: session.id, userId: session.userId, byServer }, 'resume failed');
    if (byServer || session.hasPending) {
      ctx.metrics.resyncCloses.inc();
      session.close(CLOSE.RESUME_AGAIN, 'could not catch up from the inbox: reconnect and resume');
      return;
    }
    session.send(encodeError('resume_failed', 'the inbox could not be read: send resume again'));
  }
  session.goLive();
}

/** Pages the inbox after `after` to the end; false when the session stopped resuming (closed). */
async function pages(ctx: HubContext, session: Session, after: string): Promise<boolean> {
  const pageSize = ctx.options.resumePageSize;
  let cursor = after;
  for (;;) {
    const page = await ctx.inbox.listAfter(session.userId, cursor, pageSize);
    if (!session.isResuming) return false;
    const more = page.length >= pageSize;
    let written: Promise<void> | undefined;
    page.forEach((notification, index) => {
      const result = session.replay(encodeLive({ type: 'notification', notification }), more && index === page.length - 1);
      if (result.sent) ctx.metrics.resumeReplayed.inc();
      written = result.written ?? written;
    });
    if (!more) return true;
    cursor = page[page.length - 1]!.id;
    await written;
    if (!session.isResuming) return false;
  }
}
