import { NotFoundError } from '@herald/platform';
import { parseMentions } from '../domain/mentions.js';
import type { Actor, CommentView } from '../domain/model.js';
import { COMMENT_TEXT_MAX } from '../domain/text.js';
import type { AppDeps } from './deps.js';
import { resolveActor } from './actor.js';
import { resolveMentions, standingMentions } from './mentions.js';
import { commentCreated } from './events.js';
import { requireText } from './validate.js';

/**
 * The common case in two round trips: one read (post, writer, mentioned names, blocks), then one
 * write that inserts the comment, its mentions and its outbox row and bumps the counter, only while
 * the post exists and the writer is still that live account (held FOR SHARE, as in the transaction).
 * A writer not projected yet or deleted, or renamed or deleted between the two, takes the
 * transactional path, which decides those cases as it always has.
 */
export async function addComment(deps: AppDeps, actor: Actor, postId: string, input: { text: string }): Promise<CommentView> {
  const text = requireText(input.text, COMMENT_TEXT_MAX);
  const createdAt = deps.clock.now();
  const id = deps.newId(createdAt);
  const names = parseMentions(text);
  const context = await deps.store.readCommentContext(postId, actor.userId, names);
  if (!context.post) throw new NotFoundError('post');
  const writer = context.writer;
  if (writer !== null && writer !== 'deleted') {
    const mentions = standingMentions(names, context.named, context.blockedWithWriter, writer.id);
    const view: CommentView = { id, postId, author: writer, text, mentions, createdAt };
    const outcome = await deps.store.writeComment(
      { id, postId, authorId: writer.id, text, mentionIds: mentions.map((m) => m.userId), createdAt },
      writer,
      commentCreated(view, context.post),
    );
    if (outcome === 'no_post') throw new NotFoundError('post');
    if (outcome === 'written') {
      deps.afterCommit();
      return view;
    }
  }
  return addCommentInTransaction(deps, actor, postId, text, id, createdAt);
}

async function addCommentInTransaction(deps: AppDeps, actor: Actor, postId: string, text: string, id: string, createdAt: Date): Promise<CommentView> {
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
