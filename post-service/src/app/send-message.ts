import { BadRequestError, NotFoundError } from '@herald/platform';
import type { Actor, MessageView } from '../domain/model.js';
import { MESSAGE_TEXT_MAX } from '../domain/text.js';
import type { AppDeps } from './deps.js';
import { resolveActor } from './actor.js';
import { messageSent } from './events.js';
import { requireText } from './validate.js';

/**
 * A direct message. The recipient must be in the projection: an id the projection has not seen is
 * 404, even if user-service registered it a moment ago (docs/adr/0006 explains why that is fine).
 */
export async function sendMessage(deps: AppDeps, actor: Actor, input: { toUserId: string; text: string }): Promise<MessageView> {
  if (input.toUserId.toLowerCase() === actor.userId.toLowerCase()) throw new BadRequestError('toUserId', 'you cannot message yourself');
  const text = requireText(input.text, MESSAGE_TEXT_MAX);
  const createdAt = deps.clock.now();
  const id = deps.newId(createdAt);
  const message = await deps.store.transaction(async (tx) => {
    const recipient = await tx.findUser(input.toUserId);
    if (!recipient) throw new NotFoundError('recipient user');
    const sender = await resolveActor(tx, actor);
    const view: MessageView = { id, fromUserId: sender.id, toUserId: recipient.id, text, createdAt };
    await tx.insertMessage(view);
    await tx.enqueue(messageSent(view, sender));
    return view;
  });
  deps.afterCommit();
  return message;
}
