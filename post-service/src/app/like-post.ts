import { NotFoundError } from '@herald/platform';
import type { Actor } from '../domain/model.js';
import type { AppDeps } from './deps.js';
import { resolveActor } from './actor.js';
import { postLiked } from './events.js';

/**
 * Idempotent: only the request that creates the like row emits post.liked, so a double tap or a
 * client retry notifies nobody twice. Liking your own post is allowed and still emits; the
 * notification service is the one that drops self-notifications.
 */
export async function likePost(deps: AppDeps, actor: Actor, postId: string): Promise<void> {
  const at = deps.clock.now();
  const created = await deps.store.transaction(async (tx) => {
    const post = await tx.findPostRef(postId);
    if (!post) throw new NotFoundError('post');
    const liker = await resolveActor(tx, actor);
    const isNew = await tx.addLike(post.id, liker.id, at);
    if (isNew) await tx.enqueue(postLiked(post, liker, at));
    return isNew;
  });
  if (created) deps.afterCommit();
}
