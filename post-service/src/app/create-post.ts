import type { Actor, PostView } from '../domain/model.js';
import { POST_TEXT_MAX } from '../domain/text.js';
import type { AppDeps } from './deps.js';
import { resolveActor } from './actor.js';
import { resolveMentions } from './mentions.js';
import { postCreated } from './events.js';
import { requireText } from './validate.js';

export async function createPost(deps: AppDeps, actor: Actor, input: { text: string }): Promise<PostView> {
  const text = requireText(input.text, POST_TEXT_MAX);
  const createdAt = deps.clock.now();
  const id = deps.newId(createdAt);
  const post = await deps.store.transaction(async (tx) => {
    const author = await resolveActor(tx, actor);
    const mentions = await resolveMentions(tx, text, author.id);
    await tx.insertPost({ id, authorId: author.id, text, mentionIds: mentions.map((m) => m.userId), createdAt });
    const view: PostView = { id, author, text, mentions, likeCount: 0, commentCount: 0, likedByMe: false, createdAt };
    await tx.enqueue(postCreated(view));
    return view;
  });
  deps.afterCommit();
  return post;
}
