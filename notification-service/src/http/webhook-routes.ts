import { randomBytes } from 'node:crypto';
import Type from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, type HttpApp, type TokenVerifier } from '@herald/platform';
import { ErrorBody } from '@herald/contracts';
import type { WebhookStore } from '../adapters/prisma-webhook-store.js';
import { SEND_SCOPE } from '../app/send-notification.js';
import { MAX_WEBHOOKS_PER_OWNER, WEBHOOK_EVENTS, WEBHOOK_URL_MAX, webhookUrlProblem } from '../domain/webhooks.js';
import type { ApiKeys } from './api-keys.js';
import { callerOf, requireAuth } from './auth.js';
import type { RouteScope } from './scope.js';
import { errorResponses, Id, IdParams, NoContent } from './schemas.js';

export interface WebhookRouteDeps {
  store: WebhookStore;
  /** WEBHOOK_ALLOW_HTTP (and embedded mode): http:// and local addresses are accepted. */
  allowHttp: boolean;
  newId(at: Date): string;
}

const tags = ['webhooks'];
const security = [{ bearer: [] }];

const EventName = Type.Enum(WEBHOOK_EVENTS);
const Endpoint = Type.Object({
  id: Id,
  url: Type.String(),
  events: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'null: every event' }),
  createdAt: Type.String({ format: 'date-time' }),
});
const Created = Type.Object({
  ...Endpoint.properties,
  secret: Type.String({ description: 'whsec_<base64 key>: verifies the webhook-signature header (Standard Webhooks). Shown only here.' }),
});
const RegisterBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: WEBHOOK_URL_MAX, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'https URL that receives the POSTs (http only where WEBHOOK_ALLOW_HTTP is set)' }),
    events: Type.Optional(
      Type.Array(EventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true, description: `which status changes to receive; default all: ${WEBHOOK_EVENTS.join(', ')}` }),
    ),
  },
  { additionalProperties: false },
);

function ownerOf(req: Parameters<typeof callerOf>[0]): string {
  const caller = callerOf(req);
  if (!caller.scopes.includes(SEND_SCOPE)) throw new ForbiddenError(`status webhooks need an API key or token with the ${SEND_SCOPE} scope`);
  return caller.userId;
}

/**
 * Status webhooks for send-API callers (docs/channels.md "Status webhooks"): register a URL, list
 * and remove them. The caller (an API key's sender, or a token with the send scope) owns them and
 * hears about the notifications it sent. Authenticated like the send API: X-API-Key or a bearer.
 */
export function webhookRoutes(app: RouteScope, deps: WebhookRouteDeps): void {
  app.post(
    '/api/v1/webhooks',
    {
      schema: {
        tags,
        security,
        summary: 'Register a status webhook (API key)',
        description:
          'Every status change of a delivery of a notification you sent (sent, delivered, opened, clicked, failed, bounced, cancelled) is POSTed as ' +
          '`{type: "delivery.status", timestamp, data: {notificationId, channel, status, reason?, provider?, attempts}}`, signed per Standard Webhooks ' +
          '(`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed by the secret after `whsec_`). ' +
          'Answer 2xx; anything else is retried with backoff.',
        body: RegisterBody,
        response: { 201: Created, 403: ErrorBody, 409: ErrorBody, ...errorResponses },
      },
    },
    async (req, reply) => {
      const ownerId = ownerOf(req);
      const problem = webhookUrlProblem(req.body.url, deps.allowHttp);
      if (problem) throw new BadRequestError('url', problem);
      if ((await deps.store.countLive(ownerId)) >= MAX_WEBHOOKS_PER_OWNER) {
        throw new ConflictError('too_many_webhooks', `at most ${MAX_WEBHOOKS_PER_OWNER} webhooks per sender; remove one first`);
      }
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const endpoint = await deps.store.create({ id: deps.newId(new Date()), ownerId, url: req.body.url, secret, events: req.body.events ?? null });
      return reply.code(201).send({ ...endpoint, secret });
    },
  );

  app.get(
    '/api/v1/webhooks',
    { schema: { tags, security, summary: 'Your status webhooks (without their secrets)', response: { 200: Type.Object({ items: Type.Array(Endpoint) }), 403: ErrorBody, ...errorResponses } } },
    async (req) => ({ items: await deps.store.list(ownerOf(req)) }),
  );

  app.delete(
    '/api/v1/webhooks/:id',
    { schema: { tags, security, summary: 'Remove a status webhook; what it was still owed is not sent', params: IdParams, response: { 204: NoContent, 403: ErrorBody, ...errorResponses } } },
    async (req, reply) => {
      if (!(await deps.store.remove(ownerOf(req), req.params.id))) throw new NotFoundError('webhook');
      return reply.code(204).send(null);
    },
  );
}

/** Its own authenticated scope (bearer, or X-API-Key on these routes: see auth.ts API_KEY_ROUTES). */
export async function registerWebhookRoutes(app: HttpApp, deps: WebhookRouteDeps, verifier: TokenVerifier, apiKeys?: ApiKeys): Promise<void> {
  await app.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    requireAuth(scope, verifier, apiKeys);
    webhookRoutes(scope, deps);
  });
}
