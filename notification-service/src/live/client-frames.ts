import type { RawData } from 'ws';
import type { ErrorFrameCode, UnreadCountFrame } from '@herald/contracts/protocol';
import type { HubContext } from './hub-context.js';
import { CLOSE, PONG, encodeError, encodeLive, parseClientFrame } from './protocol.js';
import { resumeSession } from './resume.js';
import { costOf, spend } from './frame-budget.js';
import type { Session } from './session.js';

/**
 * One client frame, validated against its schema (protocol.ts). A bad frame is answered with an
 * error frame and the socket stays open (a client bug should not cost the user their live feed),
 * but it is counted and too many close the socket.
 */
export async function handleClientFrame(ctx: HubContext, session: Session, data: RawData, isBinary: boolean): Promise<void> {
  // Parsed and charged at once, before any await: a burst of frames is judged as it arrives.
  const parsed = parseClientFrame(data, isBinary, ctx.options.maxReadIds);
  const cost = costOf(!parsed.ok ? { type: 'bad' } : parsed.frame.type === 'read' ? { type: 'read', ids: parsed.frame.ids.length } : parsed.frame);
  if (!spend(session.budget, cost, Date.now(), ctx.options)) {
    ctx.metrics.budgetCloses.inc();
    session.close(CLOSE.POLICY, 'too many frames: slow down');
    return;
  }
  if (session.opening) await session.opening;
  if (session.state === 'closed') return;
  if (!parsed.ok) return refuse(ctx, session, parsed.code, parsed.message);

  const frame = parsed.frame;
  switch (frame.type) {
    case 'ping':
      session.alive = true;
      // Queued behind a running replay (resume or catch-up), so the pong tells the client it is over.
      if (session.state === 'live') session.send(PONG);
      else session.push({ data: PONG, notificationId: undefined });
      return;
    case 'resume':
      return resumeSession(ctx, session, frame.after);
    case 'read':
      return markRead(ctx, session, frame.ids);
  }
}

function refuse(ctx: HubContext, session: Session, code: ErrorFrameCode, message: string): void {
  ctx.metrics.badFrames.inc();
  if (++session.badFrames > ctx.options.maxBadFrames) {
    session.close(CLOSE.POLICY, 'too many invalid frames');
    return;
  }
  session.send(encodeError(code, message));
}

/**
 * Every session of the user, on every instance, learns the new count through deliver(); when nothing
 * changed (already read, or not theirs) only the asking session gets the count back.
 */
async function markRead(ctx: HubContext, session: Session, ids: string[]): Promise<void> {
  try {
    const changed = await ctx.inbox.markRead(ids, session.userId, ctx.clock.now());
    const count = await ctx.inbox.unreadCount(session.userId);
    const frame: UnreadCountFrame = { type: 'unread_count', count };
    if (changed.length > 0) await ctx.deliver([{ userId: session.userId, frame }]);
    else session.push(encodeLive(frame));
  } catch (err) {
    ctx.logger.warn({ err, sessionId: session.id, userId: session.userId }, 'read frame failed');
    session.send(encodeError('read_failed', 'the notifications could not be marked read: try again'));
  }
}
