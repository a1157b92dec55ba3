import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { InvalidInputError, type HttpApp } from '@herald/platform';
import { ErrorBody } from '@herald/contracts';
import type { DigestRunResult } from '../app/run-digests.js';
import { requireAdminKey } from './auth.js';
import type { ApiKeys } from './api-keys.js';

export interface DigestRouteDeps {
  /** One digest sweep as of `at` (docs/channels.md "Digests"). */
  run(at: Date): Promise<DigestRunResult>;
}

const RunBody = Type.Object(
  { at: Type.Optional(Type.String({ format: 'date-time', description: 'run as of this instant (ISO 8601 with an offset, e.g. 2026-03-29T06:00:00Z); default now' })) },
  { additionalProperties: false },
);

const RunAnswer = Type.Object({
  at: Type.String({ format: 'date-time' }),
  candidates: Type.Integer({ description: 'people with digest rows waiting' }),
  runs: Type.Integer({ description: 'person × frequency × period runs this call claimed' }),
  digests: Type.Integer({ description: 'digest messages queued (one per run and channel)' }),
  rows: Type.Integer({ description: 'waiting rows the runs took' }),
});

/** Operators: run the digest sweep now, or as of an instant (API key with the admin scope). */
export async function registerDigestRoutes(app: HttpApp, deps: DigestRouteDeps, apiKeys?: ApiKeys): Promise<void> {
  await app.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    requireAdminKey(scope, apiKeys);
    scope.post('/api/v1/admin/digests/run', {
      // No body at all means `{}`: run as of now.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
      schema: {
        tags: ['admin'],
        summary: 'Run the digest sweep as of `at` (default now): digests whose time has come are queued; a period already sent is never sent again',
        body: RunBody,
        response: { 202: RunAnswer, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    }, async (req, reply) => {
      const raw = req.body?.at;
      const at = raw === undefined ? new Date() : new Date(raw);
      if (Number.isNaN(at.getTime())) throw new InvalidInputError('body', 'at', 'must be an ISO 8601 instant (e.g. 2026-03-29T06:00:00Z)');
      const result = await deps.run(at);
      return reply.code(202).send({ at: at.toISOString(), ...result });
    });
  });
}
