import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HttpApp, TokenVerifier } from '@herald/platform';
import type { AppDeps } from '../app/deps.js';
import { requireAuth } from './auth.js';
import type { ApiKeys } from './api-keys.js';
import { inboxRoutes } from './inbox-routes.js';
import { muteRoutes } from './mute-routes.js';
import { preferenceRoutes } from './preference-routes.js';
import { sendRoutes } from './send-routes.js';

/** Every public HTTP route of notification-service, inside one scope where a bearer token is required. */
export async function registerRoutes(app: HttpApp, deps: AppDeps, verifier: TokenVerifier, apiKeys?: ApiKeys): Promise<void> {
  await app.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    requireAuth(scope, verifier, apiKeys);
    inboxRoutes(scope, deps);
    sendRoutes(scope, deps);
    preferenceRoutes(scope, deps);
    muteRoutes(scope, deps);
  });
}
