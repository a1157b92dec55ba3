import Type from 'typebox';
import { BadRequestError } from '@herald/platform';
import { ErrorBody } from '@herald/contracts';
import type { AppDeps } from '../app/deps.js';
import { sendNotification } from '../app/send-notification.js';
import { hasUnsafeText } from '../adapters/pg-safe.js';
import { callerOf } from './auth.js';
import type { RouteScope } from './scope.js';
import { ChannelSchema, errorResponses, Id, NotificationTypeSchema, PrioritySchema, Text } from './schemas.js';

export const MAX_SEND_RECIPIENTS = 1000;

const SendBody = Type.Object(
  {
    recipients: Type.Array(Id, { minItems: 1, maxItems: MAX_SEND_RECIPIENTS, description: `user ids, 1-${MAX_SEND_RECIPIENTS}` }),
    type: NotificationTypeSchema,
    title: Type.Optional(Text({ minLength: 1, maxLength: 200 })),
    body: Type.Optional(Text({ maxLength: 2000 })),
    template: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'template name for the fallback channels' })),
    // Open on purpose: the sender's own payload, any fields. A Record, so the platform's closing of
    // body objects leaves it open; text and depth (32) are still checked for every request.
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON object handed to clients as `data`' })),
    channels: Type.Optional(Type.Array(ChannelSchema, { minItems: 1, maxItems: 4, uniqueItems: true, description: 'only these channels; default all the person allows' })),
    priority: Type.Optional(PrioritySchema),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description: 'printable ASCII; scoped to the sender' })),
  },
  { additionalProperties: false },
);

export function sendRoutes(app: RouteScope, deps: AppDeps): void {
  app.post(
    '/api/v1/notifications',
    {
      schema: {
        tags: ['notifications'],
        security: [{ bearer: [] }],
        summary: 'Send a notification (other backends)',
        description:
          'Needs a token with the `notifications:send` scope. The same idempotencyKey from the same sender answers the same ids and sends nothing twice; reused with a different body it is a 409. `ids` lists the notifications created, in recipient order; recipients whose preferences allow no channel get none.',
        body: SendBody,
        response: { 202: Type.Object({ ids: Type.Array(Id) }), 403: ErrorBody, 409: ErrorBody, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (req.body.data !== undefined && hasUnsafeText(req.body.data)) throw new BadRequestError('data', 'must not contain NUL characters or unpaired surrogates');
      const caller = callerOf(req);
      const result = await sendNotification(deps, { userId: caller.userId, scopes: caller.scopes }, req.body);
      return reply.code(202).send(result);
    },
  );
}
