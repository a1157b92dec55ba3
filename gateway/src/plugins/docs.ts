import fp from 'fastify-plugin';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyRequest } from 'fastify';
import { mergeOpenApi, type FetchedDoc, type OpenApiDoc } from '../openapi-merge.js';
import type { ServiceName } from '../routes-table.js';
import { UpstreamDocs } from '../upstream-docs.js';

export interface DocsOptions {
  upstreams: Record<ServiceName, string>;
  cacheMs: number;
}

const op = (summary: string, description: string) => ({
  get: { tags: ['operations'], summary, description, security: [], responses: { 200: { description: 'OK' }, 503: { description: 'not ready' } } },
});

/**
 * createHttpApp hides these from route docs (every service has them); the gateway's are public.
 * /metrics is not: the gateway serves it on METRICS_PORT only.
 */
const OPERATIONS: NonNullable<OpenApiDoc['paths']> = {
  '/healthz': op('Liveness of the gateway', 'Answers as long as the process serves HTTP.'),
  '/readyz': op('Readiness', 'Each upstream answers its /healthz (and Redis, when configured); 503 names the ones that do not.'),
};

/**
 * Swagger UI at /docs over one document: the gateway's own routes merged with the document each
 * service serves at /openapi.json (fetched at request time, cached briefly). The merged JSON is at
 * /docs/json (and YAML at /docs/yaml); the gateway's /openapi.json has only its own routes.
 */
export const docsPlugin = fp<DocsOptions>(
  async (app, opts) => {
    const upstreamDocs = new UpstreamDocs(opts.upstreams, opts.cacheMs);
    const fetched = new WeakMap<FastifyRequest, FetchedDoc[]>();

    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { persistAuthorization: true, displayRequestDuration: true },
      uiHooks: {
        // transformSpecification is synchronous: fetch first, hand the result over per request.
        preHandler: async (req: FastifyRequest) => {
          if (/\/(json|yaml)$/.test(req.routeOptions.url ?? '')) fetched.set(req, await upstreamDocs.get());
        },
      },
      transformSpecification: (own, req) => mergeOpenApi(own as OpenApiDoc, fetched.get(req) ?? [], OPERATIONS),
    });
  },
  { name: 'gateway-docs' },
);
