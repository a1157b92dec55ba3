import type { HubContext } from './hub-context.js';
import { encodeError, encodeLive } from './protocol.js';
import type { Session } from './session.js';

/**
 * `resume after X` without a gap or a duplicate (DESIGN.md invariant 3). The session's presence was
 * registered before it said hello, so every notification committed after a page query's snapshot
 * is delivered to it live; while the replay runs those live frames are held. The inbox is paged
 * oldest first; then the held frames go out, minus the ids the replay already sent. Each page waits
 * until the previous one has left for the client, so a large backlog cannot pile up in memory.
 */
export async function resumeSession(ctx: HubContext, session: Session, after: string): Promise<void> {
  if (session.isResuming) {
    session.send(encodeError('resume_in_progress', 'a resume is already running on this socket'));
    return;
  }
  session.startResume();
  const pageSize = ctx.options.resumePageSize;
  let cursor = after;
  try {
    for (;;) {
      const page = await ctx.inbox.listAfter(session.userId, cursor, pageSize);
      if (!session.isResuming) return;
      const more = page.length >= pageSize;
      let written: Promise<void> | undefined;
      page.forEach((notification, index) => {
        const result = session.replay(encodeLive({ type: 'notification', notification }), more && index === page.length - 1);
        if (result.sent) ctx.metrics.resumeReplayed.inc();
        written = result.written ?? written;
      });
      if (!more) break;
      cursor = page[page.length - 1]!.id;
      await written;
      if (!session.isResuming) return;
    }
  } catch (err) {
    if (!session.isResuming) return;
    ctx.logger.warn({ err, sessionId: session.id, userId: session.userId }, 'resume failed');
    session.send(encodeError('resume_failed', 'the inbox could not be read: send resume again'));
  }
  session.goLive();
}
