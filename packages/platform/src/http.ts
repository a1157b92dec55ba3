import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { AppError, InvalidInputError } from './errors.js';
import { DomainError } from './domain-error.js';
import { classifyUnavailable } from './db/unavailable.js';
import { findInputProblem } from './input-hygiene.js';
import { dependencyUpGauge, httpDurationHistogram } from './metrics.js';
import { schemaCompilers } from './validation.js';


declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads a credential from its query string (GET /ws) and answers a bad one itself: input hygiene skips the query. */
    rawQuery?: boolean;
  }
}

export type ReadinessCheck = () => Promise<unknown>;

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  registry: Registry;
  /** name → probe; /readyz answers 503 naming every probe that fails. */
  readiness?: Record<string, ReadinessCheck>;
  bodyLimit?: number;
  /** Describes the public routes this service serves, for the gateway's merged OpenAPI document. */
  openapi?: { title: string; description?: string };
  trustProxy?: boolean;
  /**
   * The HTTP status of each code this service's domain errors (DomainError) carry, on top of
   * SHARED_DOMAIN_ERROR_STATUSES. A DomainError whose code has no status is a bug: answered 500.
   */
  domainErrorStatuses?: DomainErrorStatuses;
}

/** Domain error code → HTTP status. */
export type DomainErrorStatuses = Readonly<Record<string, number>>;

/** The codes any domain may use, with the status every Herald service answers them with. */
export const SHARED_DOMAIN_ERROR_STATUSES: DomainErrorStatuses = Object.freeze({
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
});

export type HttpApp = FastifyInstance<any, any, any, Logger, TypeBoxTypeProvider>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify with Herald's conventions: request ids, one error shape, health, readiness and metrics. */
export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const onError = errorHandlerFor(options.domainErrorStatuses);
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    trustProxy: options.trustProxy ?? true,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    logController: new LogController({ disableRequestLogging: process.env.LOG_REQUESTS !== 'true' }),
    clientErrorHandler,
    // A URL the router cannot decode (bad percent-encoding) gets the error shape too.
    frameworkErrors: (err, req, reply) => onError(err, req, reply.header('x-request-id', req.id)),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(schemaCompilers());

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // Before any schema (and on routes with their own validator or none): no control characters or
  // lone surrogates in any text, no JSON nested deeper than MAX_JSON_DEPTH. See input-hygiene.ts.
  // After the onRequest hooks, so a missing token is still a 401 first, as with schema errors.
  app.addHook('preValidation', async (req) => {
    if (req.is404) return;
    // A route that reads a credential from its query string (GET /ws) answers a bad one itself.
    const rawQuery = req.routeOptions.config?.rawQuery === true;
    for (const [location, value] of [['params', req.params], ['body', req.body], ['querystring', req.query]] as const) {
      if (rawQuery && location === 'querystring') continue;
      const problem = findInputProblem(value);
      if (!problem) continue;
      // A query string or path names its parameters, not their occurrences: `id`, not `id.1`; a
      // wildcard route's rest of the path (the gateway's proxy) is `path`, not `*`.
      const field = location === 'body' ? problem.field : problem.field.split('.')[0]!;
      throw new InvalidInputError(location, field === '*' ? 'path' : field, problem.message);
    }
  });

  const histogram = httpDurationHistogram(options.registry);
  dependencyUpGauge(options.registry, Object.keys(options.readiness ?? {}), () => failingChecks(options.readiness ?? {}));
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    histogram.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(onError);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'route_not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );

  if (options.openapi) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: options.openapi.title, description: options.openapi.description, version: '1.0.0' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      },
    });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', service: options.service }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const failing = await failingChecks(options.readiness ?? {});
    if (Object.keys(failing).length === 0) return { status: 'ready', service: options.service };
    return reply.code(503).send({
      error: {
        code: 'dependency_unavailable',
        message: `not ready: ${Object.keys(failing).join(', ')} unreachable`,
        details: { failing },
      },
    });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(options.registry.contentType).send(await options.registry.metrics()),
  );
  return app;
}

async function failingChecks(checks: Record<string, ReadinessCheck>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), 2000);
        return undefined;
      } catch (err) {
        return [name, err instanceof Error ? err.message : String(err)] as const;
      }
    }),
  );
  return Object.fromEntries(entries.filter((e) => e !== undefined));
}

/**
 * Requests node's HTTP parser rejects before fastify sees them (headers over the 16 KB limit,
 * garbage, too slow): answered in the same error shape as everything else, then closed.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, string, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'the request took too long to arrive']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Turns fastify's validation errors into `{error:{code,message,details:{field,location}}}`. */
function validationBody(err: FastifyError) {
  const first = err.validation?.[0];
  const location = err.validationContext ?? 'body';
  let field = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  if (first?.keyword === 'required') field = [field, (first.params as { missingProperty?: string }).missingProperty].filter(Boolean).join('.');
  if (first?.keyword === 'additionalProperties') field = [field, (first.params as { additionalProperty?: string }).additionalProperty].filter(Boolean).join('.');
  const name = field || location;
  const message =
    first?.keyword === 'required' ? `${name} is required` : first?.keyword === 'additionalProperties' ? `${name}: unknown field` : `${name} ${first?.message ?? 'is invalid'}`;
  return { error: { code: 'invalid_request', message, details: { field: name, location } } };
}

/**
 * Herald's error handler, with `domainErrorStatuses` (on top of SHARED_DOMAIN_ERROR_STATUSES)
 * giving the status of each domain error code.
 */
export function errorHandlerFor(domainErrorStatuses: DomainErrorStatuses = {}) {
  const statuses: DomainErrorStatuses = { ...SHARED_DOMAIN_ERROR_STATUSES, ...domainErrorStatuses };
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => handleError(err, req, reply, statuses);
}

/** Herald's error handler for an app whose domain errors use only the shared codes. */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  return handleError(err, req, reply, SHARED_DOMAIN_ERROR_STATUSES);
}

function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply, domainErrorStatuses: DomainErrorStatuses) {
  // The client hung up first (a proxied answer's stream is torn down with it): no one to answer,
  // and not a fault of ours.
  if (clientGone(err, req)) {
    req.log.debug({ err: { message: err.message, code: err.code } }, 'client went away before the answer');
    return reply.raw.destroyed ? undefined : reply.code(499).send();
  }
  if (err.validation) return reply.code(400).send(validationBody(err));
  if (err instanceof AppError) return sendError(reply, err.statusCode, err);
  if (err instanceof DomainError) {
    const status = Object.hasOwn(domainErrorStatuses, err.code) ? domainErrorStatuses[err.code] : undefined;
    if (status !== undefined) return sendError(reply, status, err);
    req.log.error({ err }, `domain error code ${err.code} has no HTTP status`);
    return reply.code(500).send({ error: { code: 'internal_error', message: 'something went wrong on our side' } });
  }
  const status = err.statusCode ?? 500;
  if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.code(413).send({ error: { code: 'payload_too_large', message: 'request body is too large' } });
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply.code(415).send({ error: { code: 'unsupported_media_type', message: 'send application/json' } });
  }
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
    return reply.code(400).send({ error: { code: 'invalid_json', message: 'request body is not valid JSON', details: { field: 'body', location: 'body' } } });
  }
  if (status === 429) {
    return reply.code(429).send({ error: { code: 'rate_limited', message: err.message } });
  }
  if (status >= 400 && status < 500) {
    return reply.code(status).send({ error: { code: snake(err.code ?? 'bad_request'), message: err.message } });
  }
  const unavailable = classifyUnavailable(err);
  if (unavailable) {
    // Not a bug: the database (or another server) is away, e.g. failing over. The caller may retry;
    // /readyz names the dependency meanwhile.
    req.log.warn({ err: { message: err.message, code: err.code } }, `${unavailable} unavailable`);
    return reply
      .code(503)
      .header('retry-after', '2')
      .send(
        unavailable === 'database'
          ? { error: { code: 'database_unavailable', message: 'the database is unavailable; try again shortly' } }
          : { error: { code: 'dependency_unavailable', message: 'a service this one depends on is unavailable; try again shortly' } },
      );
  }
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ error: { code: 'internal_error', message: 'something went wrong on our side' } });
}

/** `{error: {code, message, details}}` with the given status. */
function sendError(reply: FastifyReply, status: number, err: { code: string; message: string; details?: unknown }) {
  // A refusal that ends by itself (a lockout, a backoff) says when, as 429s do everywhere in Herald.
  const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply.code(status).send({ error: { code: err.code, message: err.message, details: err.details } });
}

function clientGone(err: FastifyError, req: FastifyRequest): boolean {
  const aborted = err.code === 'UND_ERR_ABORTED' || err.name === 'AbortError' || err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE';
  return aborted && (req.raw.destroyed || req.raw.socket?.destroyed === true);
}

function snake(code: string): string {
  return code.replace(/^FST_ERR_/, '').toLowerCase();
}
