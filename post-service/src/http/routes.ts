import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HttpApp, TokenVerifier } from '@herald/platform';
import type { AppDeps } from '../app/deps.js';
import { requireAuth } from './auth.js';
import { postRoutes } from './post-routes.js';
import { commentRoutes } from './comment-routes.js';
import { likeRoutes } from './like-routes.js';
import { messageRoutes } from './message-routes.js';
import { feedRoutes } from './feed-routes.js';
import type { FeedReader } from '../domain/feed.js';

/** Every public route of post-service, inside one scope where a bearer token is required. */
export async function registerRoutes(app: HttpApp, deps: AppDeps, verifier: TokenVerifier, feed: FeedReader): Promise<void> {
  await app.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    requireAuth(scope, verifier);
    postRoutes(scope, deps);
    commentRoutes(scope, deps);
    likeRoutes(scope, deps);
    messageRoutes(scope, deps);
    feedRoutes(scope, feed);
  });
}
