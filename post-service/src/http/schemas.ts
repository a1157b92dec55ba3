import Type from 'typebox';
import { ErrorBody } from '@herald/contracts';
import { UUID_PATTERN } from '@herald/platform/uuid';
import { COMMENT_TEXT_MAX, MESSAGE_TEXT_MAX, POST_TEXT_MAX } from '../domain/text.js';
import { MAX_PAGE_SIZE } from '../app/deps.js';

/**
 * Request and response schemas: validation, serialisation and the OpenAPI document come from here.
 * Ids are matched with a strict pattern rather than `format: uuid`, which also admits `urn:uuid:`
 * forms that PostgreSQL's uuid type refuses.
 */
export const Id = Type.String({ pattern: UUID_PATTERN, description: 'uuid' });
export const IdParams = Type.Object({ id: Id });

const text = (max: number) => Type.String({ minLength: 1, maxLength: max, description: `1-${max} characters, trimmed, not blank` });
export const PostBody = Type.Object({ text: text(POST_TEXT_MAX) }, { additionalProperties: false });
export const CommentBody = Type.Object({ text: text(COMMENT_TEXT_MAX) }, { additionalProperties: false });
export const MessageBody = Type.Object({ toUserId: Id, text: text(MESSAGE_TEXT_MAX) }, { additionalProperties: false });

export const PageQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 256, description: 'nextCursor of the previous page, unchanged' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `default 20, at most ${MAX_PAGE_SIZE}` })),
  },
  { additionalProperties: false },
);

const Timestamp = Type.String({ format: 'date-time' });
const Author = Type.Object({ id: Id, username: Type.String(), displayName: Type.String() });
const Mention = Type.Object({ userId: Id, username: Type.String() });

export const Post = Type.Object({
  id: Id,
  author: Author,
  text: Type.String(),
  mentions: Type.Array(Mention),
  likeCount: Type.Integer(),
  commentCount: Type.Integer(),
  likedByMe: Type.Optional(Type.Boolean()),
  createdAt: Timestamp,
});

export const Comment = Type.Object({
  id: Id,
  postId: Id,
  author: Author,
  text: Type.String(),
  mentions: Type.Array(Mention),
  createdAt: Timestamp,
});

export const Message = Type.Object({ id: Id, fromUserId: Id, toUserId: Id, text: Type.String(), createdAt: Timestamp });

export const PageOf = <T extends Type.TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const NoContent = Type.Null({ description: 'no content' });

/** The error statuses every authenticated route can answer with. */
export const errorResponses = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody } as const;
