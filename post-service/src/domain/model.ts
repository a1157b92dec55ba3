/** What post-service reads and returns. Dates stay Dates here; the HTTP layer writes ISO strings. */

/** A user as post-service knows them: its projection of user-service accounts. */
export interface UserSummary {
  id: string;
  username: string;
  displayName: string;
}

/** The caller, from the verified access token. */
export interface Actor {
  userId: string;
  username: string;
}

export interface Mention {
  userId: string;
  username: string;
}

export interface PostView {
  id: string;
  author: UserSummary;
  text: string;
  mentions: Mention[];
  likeCount: number;
  commentCount: number;
  likedByMe: boolean;
  createdAt: Date;
}

export interface CommentView {
  id: string;
  postId: string;
  author: UserSummary;
  text: string;
  mentions: Mention[];
  createdAt: Date;
}

export interface MessageView {
  id: string;
  fromUserId: string;
  toUserId: string;
  text: string;
  createdAt: Date;
}

/** The little of a post that comments and likes need. */
export interface PostRef {
  id: string;
  authorId: string;
  text: string;
}

export interface NewPost {
  id: string;
  authorId: string;
  text: string;
  mentionIds: string[];
  createdAt: Date;
}

export interface NewComment {
  id: string;
  postId: string;
  authorId: string;
  text: string;
  mentionIds: string[];
  createdAt: Date;
}
