import type { CommentView, MessageView, PostView } from '../domain/model.js';

/** Views as JSON: the only change is dates to ISO-8601 text. */
export const presentPost = (post: PostView) => ({ ...post, createdAt: post.createdAt.toISOString() });
export const presentComment = (comment: CommentView) => ({ ...comment, createdAt: comment.createdAt.toISOString() });
export const presentMessage = (message: MessageView) => ({ ...message, createdAt: message.createdAt.toISOString() });
