import Type from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, InvalidInputError, NotFoundError, type HttpApp, type TokenVerifier } from '@herald/platform';
import { parsePushSubscription, PushSubscriptionProblem, PUSH_ENDPOINT_MAX, MAX_PUSH_SUBSCRIPTIONS_PER_USER, type PushSubscriptionStore } from '../domain/push.js';
import type { ApiKeys } from './api-keys.js';
import { callerOf, requireAuth } from './auth.js';
import type { RouteScope } from './scope.js';
import { errorResponses, Id, IdParams, NoContent } from './schemas.js';

export interface PushRouteDeps {
  store: PushSubscriptionStore;
  /** VAPID_PUBLIC_KEY (or embedded mode's kept pair); undefined: Web Push is not configured. */
  vapidPublicKey?: string;
  /** PUSH_ALLOW_HTTP: endpoints on 127.0.0.1, localhost and [::1] are accepted (tests). */
  allowLoopbackHttp: boolean;
  newId(at: Date): string;
}

const tags = ['push'];
const security = [{ bearer: [] }];
const BASE = '/api/v1/notifications/push-subscriptions';

const SubscribeBody = Type.Object(
  {
    endpoint: Type.String({ minLength: 1, maxLength: PUSH_ENDPOINT_MAX, description: 'PushSubscription.endpoint: the push service URL (https)' }),
    keys: Type.Object(
      {
        p256dh: Type.String({ minLength: 1, maxLength: 100, description: 'base64url of the browser’s P-256 public key (65 bytes, uncompressed)' }),
        auth: Type.String({ minLength: 1, maxLength: 40, description: 'base64url of the 16-byte auth secret' }),
      },
      { additionalProperties: false },
    ),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'as PushSubscription.toJSON() gives it; not used' })),
  },
  { additionalProperties: false },
);
const Subscription = Type.Object({ id: Id, endpoint: Type.String(), createdAt: Type.String({ format: 'date-time' }) });
const Saved = Type.Object({ id: Id });

/**
 * Web Push subscriptions of the caller (docs/channels.md "Web Push"): the browser subscribes with
 * the VAPID public key, then registers the subscription here; notifications that go out of band on
 * the `push` channel reach every browser registered.
 */
export function pushRoutes(app: RouteScope, deps: PushRouteDeps): void {
  app.get(
    `${BASE}/vapid-public-key`,
    {
      schema: {
        tags,
        security,
        summary: 'The VAPID public key to subscribe with (applicationServerKey)',
        response: { 200: Type.Object({ publicKey: Type.String({ description: 'base64url, 65 bytes (uncompressed P-256)' }) }), ...errorResponses },
      },
    },
    async () => {
      if (!deps.vapidPublicKey) throw new AppError(404, 'push_not_configured', 'Web Push is not configured on this server (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY)');
      return { publicKey: deps.vapidPublicKey };
    },
  );

  app.post(
    BASE,
    {
      schema: {
        tags,
        security,
        summary: 'Register this browser’s push subscription',
        description:
          'The body is `PushSubscription.toJSON()`. 201 with the new id; 200 with the same id when this endpoint is already yours (keys refreshed). ' +
          'An endpoint registered by someone else moves to you under a new id. ' +
          `At most ${MAX_PUSH_SUBSCRIPTIONS_PER_USER} per person: a new one beyond that replaces your oldest.`,
        body: SubscribeBody,
        response: { 200: Saved, 201: Saved, ...errorResponses },
      },
    },
    async (req, reply) => {
      let keys;
      try {
        keys = parsePushSubscription(req.body, deps.allowLoopbackHttp);
      } catch (err) {
        if (err instanceof PushSubscriptionProblem) throw new InvalidInputError('body', err.field, err.problem);
        throw err;
      }
      const saved = await deps.store.save(callerOf(req).userId, keys, deps.newId(new Date()));
      return reply.code(saved.created ? 201 : 200).send({ id: saved.id });
    },
  );

  app.get(
    BASE,
    { schema: { tags, security, summary: 'Your push subscriptions (without their keys), oldest first', response: { 200: Type.Object({ items: Type.Array(Subscription) }), ...errorResponses } } },
    async (req) => ({ items: (await deps.store.forUser(callerOf(req).userId)).map(({ id, endpoint, createdAt }) => ({ id, endpoint, createdAt })) }),
  );

  app.delete(
    `${BASE}/:id`,
    { schema: { tags, security, summary: 'Remove one of your push subscriptions', params: IdParams, response: { 204: NoContent, ...errorResponses } } },
    async (req, reply) => {
      if (!(await deps.store.remove(callerOf(req).userId, req.params.id))) throw new NotFoundError('push subscription');
      return reply.code(204).send(null);
    },
  );
}

/** Its own scope, a bearer token required (an API key opens none of these). */
export async function registerPushRoutes(app: HttpApp, deps: PushRouteDeps, verifier: TokenVerifier, apiKeys?: ApiKeys): Promise<void> {
  await app.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    requireAuth(scope, verifier, apiKeys);
    pushRoutes(scope, deps);
  });
}
