import { NotFoundError } from '@herald/platform';
import type { Actor } from '../domain/model.js';
import type { AppDeps } from './deps.js';

/** Idempotent; emits nothing (nobody is notified that a like went away). */
export async function unlikePost(deps: AppDeps, actor: Actor, postId: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    if (!(await tx.findPostRef(postId))) throw new NotFoundError('post');
    await tx.removeLike(postId, actor.userId);
  });
}
