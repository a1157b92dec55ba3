import { createEvent, type EventOf } from '@herald/contracts';
import { excerptOf } from '../domain/text.js';
import type { CommentView, MessageView, PostRef, PostView, UserSummary } from '../domain/model.js';
import { mentionedOthers } from './mentions.js';
import { PRODUCER } from './deps.js';

/** The events post-service emits, built (and validated) from the rows that caused them. */
export function postCreated(post: PostView): EventOf<'post.created'> {
  return createEvent(
    'post.created',
    { postId: post.id, author: post.author, excerpt: excerptOf(post.text), mentionedUserIds: mentionedOthers(post.mentions, post.author.id) },
    { producer: PRODUCER, occurredAt: post.createdAt },
  );
}

export function commentCreated(comment: CommentView, post: Pick<PostRef, 'id' | 'authorId'>): EventOf<'comment.created'> {
  return createEvent(
    'comment.created',
    {
      commentId: comment.id,
      postId: post.id,
      postAuthorId: post.authorId,
      author: comment.author,
      excerpt: excerptOf(comment.text),
      mentionedUserIds: mentionedOthers(comment.mentions, comment.author.id),
    },
    { producer: PRODUCER, occurredAt: comment.createdAt },
  );
}

export function postLiked(post: PostRef, liker: UserSummary, at: Date): EventOf<'post.liked'> {
  return createEvent(
    'post.liked',
    { postId: post.id, postAuthorId: post.authorId, liker, excerpt: excerptOf(post.text) },
    { producer: PRODUCER, occurredAt: at },
  );
}

export function messageSent(message: MessageView, sender: UserSummary): EventOf<'message.sent'> {
  return createEvent(
    'message.sent',
    { messageId: message.id, sender, recipientId: message.toUserId, excerpt: excerptOf(message.text) },
    { producer: PRODUCER, occurredAt: message.createdAt },
  );
}
