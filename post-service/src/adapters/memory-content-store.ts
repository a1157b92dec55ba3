import type { DirectMessagePolicy, DomainEvent } from '@herald/contracts';
import type { CommentView, Mention, MessageView, NewComment, NewPost, PostView, UserSummary } from '../domain/model.js';
import {
  UsernameTakenError,
  type CommentContext,
  type CommentWrite,
  type ContentStore,
  type ContentTransaction,
  type ErasedContent,
  type UserChanges,
  type UserProjection,
} from '../domain/ports.js';
import type { FeedReader } from '../domain/feed.js';

type PostRow = NewPost & { likeCount: number; commentCount: number };

/** When each field was last set by an event (ms); absent: a stand-in, any event may set it. */
interface NamesAsOf {
  username?: number;
  displayName?: number;
  directMessages?: number;
}

/** A projected block or follow: `from` blocks/follows `to`, as of the event that set it (ms). */
interface Relation {
  active: boolean;
  asOf: number;
}

interface State {
  users: Map<string, UserSummary>;
  /** Deleted accounts (user.deleted): id → deletedAt. Their `users` entry is blanked and kept. */
  deleted: Map<string, Date>;
  usersAsOf: Map<string, NamesAsOf>;
  policies: Map<string, DirectMessagePolicy>;
  /** `${blockerId}|${blockedId}` and `${followerId}|${followeeId}`. */
  blocks: Map<string, Relation>;
  follows: Map<string, Relation>;
  posts: Map<string, PostRow>;
  comments: Map<string, NewComment>;
  likes: Set<string>;
  messages: Map<string, MessageView>;
  outbox: DomainEvent[];
}

const likeKey = (postId: string, userId: string) => `${postId}/${userId}`;

/**
 * The ports in memory, for unit tests. Transactions run one at a time and roll back to a snapshot
 * on error, so a test sees the same all-or-nothing outcome the Postgres adapter gives.
 */
export class MemoryContentStore implements ContentStore, UserProjection, FeedReader {
  private state: State = { users: new Map(), deleted: new Map(), usersAsOf: new Map(), policies: new Map(), blocks: new Map(), follows: new Map(), posts: new Map(), comments: new Map(), likes: new Set(), messages: new Map(), outbox: [] };
  private queue: Promise<unknown> = Promise.resolve();

  get outbox(): readonly DomainEvent[] {
    return this.state.outbox;
  }

  get messages(): MessageView[] {
    return [...this.state.messages.values()];
  }

  /** `asOf` defaults to now, for tests that seed users directly. */
  async upsert(user: UserSummary, asOf: Date = new Date()): Promise<void> {
    const id = user.id.toLowerCase();
    if (this.state.deleted.has(id)) return;
    if (!this.state.users.has(id)) {
      this.assertUsernameFree(id, user.username);
      this.state.users.set(id, { ...user, id });
      this.state.usersAsOf.set(id, { username: asOf.getTime(), displayName: asOf.getTime() });
      return;
    }
    await this.update(id, { username: user.username, displayName: user.displayName }, asOf);
  }

  async update(id: string, changes: UserChanges, asOf: Date): Promise<boolean> {
    const key = id.toLowerCase();
    const known = this.state.users.get(key);
    if (!known) return false;
    if (this.state.deleted.has(key)) return true;
    const at = asOf.getTime();
    const stamps = this.state.usersAsOf.get(key) ?? {};
    const newer = (field: keyof NamesAsOf) => changes[field] !== undefined && (stamps[field] === undefined || stamps[field]! < at);
    if (newer('username')) this.assertUsernameFree(key, changes.username!);
    const next = { ...known };
    for (const field of ['username', 'displayName'] as const) {
      if (!newer(field)) continue;
      next[field] = changes[field]!;
      stamps[field] = at;
    }
    if (newer('directMessages')) {
      this.state.policies.set(key, changes.directMessages!);
      stamps.directMessages = at;
    }
    this.state.users.set(key, next);
    this.state.usersAsOf.set(key, stamps);
    return true;
  }

  async setBlock(blockerId: string, blockedId: string, active: boolean, asOf: Date): Promise<void> {
    this.setRelation(this.state.blocks, blockerId, blockedId, active, asOf);
  }

  async setFollow(followerId: string, followeeId: string, active: boolean, asOf: Date): Promise<void> {
    this.setRelation(this.state.follows, followerId, followeeId, active, asOf);
  }

  /** As the Prisma adapter: only a newer event changes the pair, and never one with a deleted account. */
  private setRelation(relations: Map<string, Relation>, from: string, to: string, active: boolean, asOf: Date): void {
    const [a, b] = [from.toLowerCase(), to.toLowerCase()];
    if (this.state.deleted.has(a) || this.state.deleted.has(b)) return;
    const current = relations.get(`${a}|${b}`);
    if (current && current.asOf >= asOf.getTime()) return;
    relations.set(`${a}|${b}`, { active, asOf: asOf.getTime() });
  }

  private assertUsernameFree(id: string, username: string): void {
    const lower = username.toLowerCase();
    const other = [...this.state.users.values()].find((u) => u.username.toLowerCase() === lower && u.id !== id && !this.state.deleted.has(u.id));
    if (other) throw new UsernameTakenError(username);
  }

  /** As the Prisma adapter: tombstone first, then the content, counters before rows; safe to repeat. */
  async erase(userId: string, deletedAt: Date): Promise<ErasedContent> {
    return this.transaction(async () => {
      const s = this.state;
      const id = userId.toLowerCase();
      if (!s.deleted.has(id)) s.deleted.set(id, new Date(deletedAt));
      s.users.set(id, { id, username: '', displayName: '' });
      const erased: ErasedContent = { posts: 0, comments: 0, likes: 0, mentions: 0, messages: 0, relations: 0 };
      for (const relations of [s.blocks, s.follows]) {
        for (const key of [...relations.keys()]) {
          if (!key.split('|').includes(id)) continue;
          relations.delete(key);
          erased.relations++;
        }
      }
      for (const post of [...s.posts.values()].filter((p) => p.authorId === id)) {
        s.posts.delete(post.id);
        for (const [cid, c] of s.comments) if (c.postId === post.id) s.comments.delete(cid);
        for (const key of [...s.likes]) if (key.startsWith(`${post.id}/`)) s.likes.delete(key);
        erased.posts++;
      }
      for (const [cid, c] of s.comments) {
        if (c.authorId === id) {
          s.posts.get(c.postId)!.commentCount--;
          s.comments.delete(cid);
          erased.comments++;
        } else if (c.mentionIds.includes(id)) {
          c.mentionIds = c.mentionIds.filter((m) => m !== id);
          erased.mentions++;
        }
      }
      for (const key of [...s.likes]) {
        const [postId, liker] = key.split('/') as [string, string];
        if (liker !== id) continue;
        s.likes.delete(key);
        s.posts.get(postId)!.likeCount--;
        erased.likes++;
      }
      for (const post of s.posts.values()) {
        if (!post.mentionIds.includes(id)) continue;
        post.mentionIds = post.mentionIds.filter((m) => m !== id);
        erased.mentions++;
      }
      for (const [mid, m] of s.messages) {
        if (m.fromUserId !== id) continue;
        s.messages.delete(mid);
        erased.messages++;
      }
      return erased;
    });
  }

  transaction<T>(work: (tx: ContentTransaction) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const snapshot = structuredClone(this.state);
      try {
        return await work(this.tx());
      } catch (err) {
        this.state = snapshot;
        throw err;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }

  async readCommentContext(postId: string, writerId: string, names: readonly string[]): Promise<CommentContext> {
    const s = this.state;
    const post = s.posts.get(postId.toLowerCase());
    const writer = writerId.toLowerCase();
    const known = s.users.get(writer);
    const named = [...s.users.values()].filter((u) => !s.deleted.has(u.id) && names.includes(u.username.toLowerCase()));
    const active = (from: string, to: string) => s.blocks.get(`${from}|${to}`)?.active === true;
    return {
      post: post ? { id: post.id, authorId: post.authorId } : null,
      writer: s.deleted.has(writer) ? 'deleted' : known ? { ...known } : null,
      named: named.map((u) => ({ ...u })),
      blockedWithWriter: new Set(named.filter((u) => active(writer, u.id) || active(u.id, writer)).map((u) => u.id)),
    };
  }

  /** As the Prisma adapter's single statement: nothing unless the post is there and the writer unchanged. */
  writeComment(comment: NewComment, writer: UserSummary, event: DomainEvent): Promise<CommentWrite> {
    return this.transaction(async (tx) => {
      if (!(await tx.findPostRef(comment.postId))) return 'no_post';
      const current = await tx.findUser(comment.authorId);
      if (!current || current.username !== writer.username || current.displayName !== writer.displayName) return 'writer_changed';
      await tx.insertComment({ ...comment, postId: comment.postId.toLowerCase() });
      await tx.enqueue(event);
      return 'written';
    });
  }

  async findPost(id: string, viewerId: string): Promise<PostView | null> {
    const post = this.state.posts.get(id.toLowerCase());
    return post ? this.view(post, viewerId) : null;
  }

  async postExists(id: string): Promise<boolean> {
    return this.state.posts.has(id.toLowerCase());
  }

  async listPostsByAuthor(authorId: string, page: { before?: string; limit: number }, viewerId: string): Promise<PostView[]> {
    return [...this.state.posts.values()]
      .filter((p) => p.authorId === authorId.toLowerCase() && (!page.before || p.id < page.before))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, page.limit)
      .map((p) => this.view(p, viewerId));
  }

  /** As PostgresFeedReader: the viewer's posts and their active follows' posts, less anyone with an active block either way. */
  async listFeed(viewerId: string, page: { before?: string; limit: number }): Promise<PostView[]> {
    const viewer = viewerId.toLowerCase();
    const active = (relations: Map<string, Relation>, from: string, to: string) => relations.get(`${from}|${to}`)?.active === true;
    const inFeed = (authorId: string) =>
      authorId === viewer ||
      (active(this.state.follows, viewer, authorId) && !active(this.state.blocks, viewer, authorId) && !active(this.state.blocks, authorId, viewer));
    return [...this.state.posts.values()]
      .filter((p) => inFeed(p.authorId) && (!page.before || p.id < page.before))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, page.limit)
      .map((p) => this.view(p, viewer));
  }

  async listComments(postId: string, page: { after?: string; limit: number }): Promise<CommentView[]> {
    return [...this.state.comments.values()]
      .filter((c) => c.postId === postId.toLowerCase() && (!page.after || c.id > page.after))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, page.limit)
      .map((c) => ({ id: c.id, postId: c.postId, author: this.user(c.authorId), text: c.text, mentions: this.mentions(c.mentionIds), createdAt: c.createdAt }));
  }

  private tx(): ContentTransaction {
    const s = this.state;
    /** The keys and foreign keys of the tables: a row naming an unknown user or post, or reusing an id, is refused as PostgreSQL refuses it. */
    const refuse = (broken: boolean, what: string) => {
      if (broken) throw new Error(`constraint violated: ${what}`);
    };
    const knownUsers = (...ids: string[]) => refuse(!ids.every((id) => s.users.has(id.toLowerCase())), 'foreign key to users');
    return {
      findUser: async (id) => (s.deleted.has(id.toLowerCase()) ? null : (s.users.get(id.toLowerCase()) ?? null)),
      findUsersByUsernames: async (names) => [...s.users.values()].filter((u) => !s.deleted.has(u.id) && names.includes(u.username.toLowerCase())),
      ensureUser: async (user) => {
        const id = user.id.toLowerCase();
        // As ON CONFLICT DO NOTHING: nothing recorded over a known id, nor under a username another live account holds.
        const taken = [...s.users.values()].some((u) => u.id !== id && !s.deleted.has(u.id) && u.username.toLowerCase() === user.username.toLowerCase());
        if (!s.users.has(id) && !s.deleted.has(id) && taken) throw new UsernameTakenError(user.username);
        if (!s.users.has(id)) s.users.set(id, { ...user, id });
        return !s.deleted.has(id);
      },
      findPostRef: async (id) => {
        const post = s.posts.get(id.toLowerCase());
        return post ? { id: post.id, authorId: post.authorId, text: post.text } : null;
      },
      insertPost: async (post) => {
        refuse(s.posts.has(post.id), 'posts_pkey');
        knownUsers(post.authorId, ...post.mentionIds);
        s.posts.set(post.id, { ...post, likeCount: 0, commentCount: 0 });
      },
      insertComment: async (comment) => {
        // As the uuid columns: the post id from a URL may come in capitals (addComment's transactional path passes it on).
        const postId = comment.postId.toLowerCase();
        refuse(s.comments.has(comment.id) || !s.posts.has(postId), 'comments_pkey or foreign key to posts');
        knownUsers(comment.authorId, ...comment.mentionIds);
        s.comments.set(comment.id, { ...comment, postId });
        s.posts.get(postId)!.commentCount++;
      },
      addLike: async (postId, userId) => {
        const key = likeKey(postId.toLowerCase(), userId.toLowerCase());
        if (s.likes.has(key)) return false;
        refuse(!s.posts.has(postId.toLowerCase()), 'foreign key to posts');
        knownUsers(userId.toLowerCase());
        s.likes.add(key);
        s.posts.get(postId.toLowerCase())!.likeCount++;
        return true;
      },
      removeLike: async (postId, userId) => {
        if (!s.likes.delete(likeKey(postId.toLowerCase(), userId.toLowerCase()))) return false;
        s.posts.get(postId.toLowerCase())!.likeCount--;
        return true;
      },
      insertMessage: async (message) => {
        refuse(s.messages.has(message.id), 'messages_pkey');
        knownUsers(message.fromUserId, message.toUserId);
        s.messages.set(message.id, { ...message });
      },
      messagingRelation: async (senderId, recipientId) => {
        const [sender, recipient] = [senderId.toLowerCase(), recipientId.toLowerCase()];
        const active = (relations: Map<string, Relation>, from: string, to: string) => relations.get(`${from}|${to}`)?.active === true;
        return {
          blocked: active(s.blocks, sender, recipient) || active(s.blocks, recipient, sender),
          recipientPolicy: s.policies.get(recipient) ?? null,
          recipientFollowsSender: active(s.follows, recipient, sender),
        };
      },
      blockedWith: async (writerId, userIds) => {
        const writer = writerId.toLowerCase();
        const active = (from: string, to: string) => s.blocks.get(`${from}|${to}`)?.active === true;
        return new Set(userIds.filter((id) => active(writer, id.toLowerCase()) || active(id.toLowerCase(), writer)));
      },
      enqueue: async (event) => {
        s.outbox.push(event);
      },
    };
  }

  private view(post: PostRow, viewerId: string): PostView {
    return {
      id: post.id,
      author: this.user(post.authorId),
      text: post.text,
      mentions: this.mentions(post.mentionIds),
      likeCount: post.likeCount,
      commentCount: post.commentCount,
      likedByMe: this.state.likes.has(likeKey(post.id, viewerId)),
      createdAt: post.createdAt,
    };
  }

  private user(id: string): UserSummary {
    return { ...this.state.users.get(id)! };
  }

  private mentions(ids: string[]): Mention[] {
    return ids.map((id) => ({ userId: id, username: this.user(id).username }));
  }
}
