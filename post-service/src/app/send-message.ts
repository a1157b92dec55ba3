import { AppError, BadRequestError, NotFoundError } from '@herald/platform';
import type { Actor, MessageView } from '../domain/model.js';
import { messageVerdict } from '../domain/reach.js';
import { MESSAGE_TEXT_MAX } from '../domain/text.js';
import type { AppDeps } from './deps.js';
import { resolveActor } from './actor.js';
import { messageSent } from './events.js';
import { requireText } from './validate.js';

/** A block between sender and recipient, either way (the code does not say who blocked whom). */
export class MessageBlockedError extends AppError {
  override name = 'MessageBlockedError';
  constructor() {
    super(403, 'blocked', 'toUserId: you cannot message this user', { field: 'toUserId' });
  }
}

/** The recipient accepts direct messages only from people they follow, and does not follow the sender. */
export class MessagesRestrictedError extends AppError {
  override name = 'MessagesRestrictedError';
  constructor() {
    super(403, 'messages_restricted', 'toUserId: this user accepts direct messages only from people they follow', { field: 'toUserId' });
  }
}

/**
 * A direct message. The recipient must be in the projection: an id the projection has not seen is
 * 404, even if user-service registered it a moment ago (docs/adr/0006 explains why that is fine).
 * Then who may reach whom (docs/adr/0012): a block either way is 403 `blocked`; a recipient who
 * accepts messages only from people they follow, and does not follow the sender, is 403
 * `messages_restricted`. Both are decided on this service's projections, inside the transaction.
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
    const verdict = messageVerdict(await tx.messagingRelation(sender.id, recipient.id));
    if (verdict === 'blocked') throw new MessageBlockedError();
    if (verdict === 'restricted') throw new MessagesRestrictedError();
    const view: MessageView = { id, fromUserId: sender.id, toUserId: recipient.id, text, createdAt };
    await tx.insertMessage(view);
    await tx.enqueue(messageSent(view, sender));
    return view;
  });
  deps.afterCommit();
  return message;
}
