import Type from 'typebox';
import { ErrorBody } from '@herald/contracts';
import type { RouteScope } from './scope.js';
import type { AppDeps } from '../app/deps.js';
import { sendMessage } from '../app/send-message.js';
import { actorOf } from './auth.js';
import { presentMessage } from './present.js';
import { errorResponses, Message, MessageBody } from './schemas.js';

export function messageRoutes(app: RouteScope, deps: AppDeps): void {
  app.post(
    '/api/v1/messages',
    {
      schema: {
        tags: ['messages'],
        security: [{ bearer: [] }],
        summary: 'Send a direct message',
        description:
          '403 blocked when either of you blocks the other; 403 messages_restricted when the recipient accepts direct messages ' +
          'only from people they follow and does not follow you (their directMessages setting).',
        body: MessageBody,
        response: { 201: Type.Object({ message: Message }), ...errorResponses, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const message = await sendMessage(deps, actorOf(req), req.body);
      return reply.code(201).send({ message: presentMessage(message) });
    },
  );
}
