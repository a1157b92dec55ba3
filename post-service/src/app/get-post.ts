import { NotFoundError } from '@herald/platform';
import type { Actor, PostView } from '../domain/model.js';
import type { AppDeps } from './deps.js';

export async function getPost(deps: AppDeps, actor: Actor, postId: string): Promise<PostView> {
  const post = await deps.store.findPost(postId, actor.userId);
  if (!post) throw new NotFoundError('post');
  return post;
}
