import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from '../../src/http.js';
import { DomainError } from '../../src/domain-error.js';
import { ConflictError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';

/**
 * A DomainError has a code and no status: the app's error handler answers it with the status its
 * service gives that code (createHttpApp's domainErrorStatuses, over the shared ones) in the usual
 * `{error: {code, message, details}}`; a code with no status is a bug, answered 500 like any other.
 */
const errors: Record<string, Error> = {
  shared: new DomainError('not_found', 'post not found'),
  own: new DomainError('slot_taken', 'slot: someone was quicker', { field: 'slot' }),
  overridden: new DomainError('forbidden', 'not yours'),
  backoff: new DomainError('slow_down', 'try again in 3 s', { retryAfterSeconds: 3 }),
  unmapped: new DomainError('no_status_given', 'the internals of a bug'),
  prototype: new DomainError('constructor', 'not a status'),
  app: new ConflictError('already_done', 'done before', { field: 'id' }),
};

let app: HttpApp;
beforeAll(async () => {
  app = await createHttpApp({
    service: 'domain-errors',
    logger: createLogger('domain-errors', 'silent'),
    registry: createMetricsRegistry('domain-errors'),
    domainErrorStatuses: { slot_taken: 409, forbidden: 404, slow_down: 429 },
  });
  app.get<{ Params: { name: string } }>('/throw/:name', async (req) => {
    throw errors[req.params.name]!;
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const get = (name: string) => app.inject({ url: `/throw/${name}` });

describe('DomainError over HTTP', () => {
  it('a shared code has its shared status; details are left out when there are none', async () => {
    const res = await get('shared');
    expect([res.statusCode, res.json()]).toEqual([404, { error: { code: 'not_found', message: 'post not found' } }]);
  });

  it("the service's own codes, and its overrides of a shared one, have the service's status", async () => {
    const own = await get('own');
    expect([own.statusCode, own.json()]).toEqual([409, { error: { code: 'slot_taken', message: 'slot: someone was quicker', details: { field: 'slot' } } }]);
    expect((await get('overridden')).statusCode).toBe(404);
  });

  it('retryAfterSeconds in details is also a Retry-After header', async () => {
    const res = await get('backoff');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('3');
  });

  it('a code with no status (even one named like an Object property) is a 500 that shows nothing of the error', async () => {
    for (const name of ['unmapped', 'prototype']) {
      const res = await get(name);
      expect([res.statusCode, res.json()]).toEqual([500, { error: { code: 'internal_error', message: 'something went wrong on our side' } }]);
    }
  });

  it('an AppError keeps its own status', async () => {
    const res = await get('app');
    expect([res.statusCode, res.json()]).toEqual([409, { error: { code: 'already_done', message: 'done before', details: { field: 'id' } } }]);
  });
});
