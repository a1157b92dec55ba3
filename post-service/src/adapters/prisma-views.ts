import type { CommentView, PostView } from '../domain/model.js';
import type { Prisma } from '../generated/prisma/client.js';

/** What Prisma loads to build a PostView or CommentView, and how the rows become views. */
const userSummary = { select: { id: true, username: true, displayName: true } } as const;
const mentionRows = { orderBy: { position: 'asc' }, select: { user: { select: { id: true, username: true } } } } as const;

export function postInclude(viewerId: string) {
  return {
    author: userSummary,
    mentions: mentionRows,
    likes: { where: { userId: viewerId }, select: { userId: true } },
  } satisfies Prisma.PostInclude;
}

export const commentInclude = { author: userSummary, mentions: mentionRows } satisfies Prisma.CommentInclude;

type PostRow = Prisma.PostGetPayload<{ include: ReturnType<typeof postInclude> }>;
type CommentRow = Prisma.CommentGetPayload<{ include: typeof commentInclude }>;

export function toPostView(row: PostRow): PostView {
  return {
    id: row.id,
    author: row.author,
    text: row.text,
    mentions: row.mentions.map((m) => ({ userId: m.user.id, username: m.user.username })),
    likeCount: row.likeCount,
    commentCount: row.commentCount,
    likedByMe: row.likes.length > 0,
    createdAt: row.createdAt,
  };
}

export function toCommentView(row: CommentRow): CommentView {
  return {
    id: row.id,
    postId: row.postId,
    author: row.author,
    text: row.text,
    mentions: row.mentions.map((m) => ({ userId: m.user.id, username: m.user.username })),
    createdAt: row.createdAt,
  };
}
