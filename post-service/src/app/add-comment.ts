import { NotFoundError } from '@herald/platform';
import type { Actor, CommentView } from '../domain/model.js';
import { COMMENT_TEXT_MAX } from '../domain/text.js';
import type { AppDeps } from './deps.js';
import { resolveActor } from './actor.js';
import { resolveMentions } from './mentions.js';
import { commentCreated } from './events.js';
import { requireText } from './validate.js';

export async function addComment(deps: AppDeps, actor: Actor, postId: string, input: { text: string }): Promise<CommentView> {
  const text = requireText(input.text, COMMENT_TEXT_MAX);
  const createdAt = deps.clock.now();
  const id = deps.newId(createdAt);
  const comment = await deps.store.transaction(async (tx) => {
    const post = await tx.findPostRef(postId);
    if (!post) throw new NotFoundError('post');
    const author = await resolveActor(tx, actor);
    const mentions = await resolveMentions(tx, text, author.id);
    await tx.insertComment({ id, postId, authorId: author.id, text, mentionIds: mentions.map((m) => m.userId), createdAt });
    const view: CommentView = { id, postId, author, text, mentions, createdAt };
    await tx.enqueue(commentCreated(view, post));
    return view;
  });
  deps.afterCommit();
  return comment;
}
