import { describe, expect, it } from 'vitest';
import { mergeOpenApi, type OpenApiDoc } from '../../src/openapi-merge.js';

const own: OpenApiDoc = {
  openapi: '3.1.0',
  info: { title: 'Herald API', version: '1.0.0', description: 'gateway' },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  paths: {
    '/ws': { get: { summary: 'socket' } },
    '/api/v1/*': { get: { summary: 'proxy plumbing' } },
  },
};

const users: OpenApiDoc = {
  openapi: '3.1.0',
  info: { title: 'user-service', version: '1' },
  tags: [{ name: 'users' }],
  components: { schemas: { User: { type: 'object', properties: { id: { type: 'string' } } }, Error: { type: 'object' } } },
  paths: {
    '/api/v1/auth/register': { post: { responses: { 201: { $ref: '#/components/schemas/User' } } } },
    '/api/v1/users/{id}': { get: { responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } } } } },
  },
};

const posts: OpenApiDoc = {
  openapi: '3.1.0',
  info: { title: 'post-service', version: '1' },
  tags: [{ name: 'posts' }, { name: 'users' }],
  components: {
    schemas: {
      // Same name, different meaning: must not overwrite user-service's User.
      User: { type: 'object', properties: { handle: { type: 'string' } } },
      Error: { type: 'object' },
    },
  },
  paths: {
    '/api/v1/posts': { post: { security: [{ bearer: [] }], responses: { 201: { $ref: '#/components/schemas/User/properties/handle' } } } },
    '/api/v1/users/{id}/posts': { get: { responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } } } } },
    // Documented by post-service but routed elsewhere: must be flagged.
    '/api/v1/notifications/odd': { get: {} },
  },
};

describe('merging OpenAPI documents', () => {
  const merged = mergeOpenApi(
    own,
    [
      { service: 'user-service', ok: true, doc: users },
      { service: 'post-service', ok: true, doc: posts },
      { service: 'notification-service', ok: false, reason: 'ECONNREFUSED' },
    ],
    { '/healthz': { get: { summary: 'alive' } } },
  );
  const paths = merged.paths!;

  it('has every upstream path next to the gateway own ones, without the proxy catch-all', () => {
    expect(Object.keys(paths).sort()).toEqual(
      ['/api/v1/auth/register', '/api/v1/notifications/odd', '/api/v1/posts', '/api/v1/users/{id}', '/api/v1/users/{id}/posts', '/healthz', '/ws'].sort(),
    );
    expect(paths['/api/v1/posts']!.post).toMatchObject({ 'x-herald-service': 'post-service' });
  });

  it('renames a colliding component and rewrites the references of the service that brought it', () => {
    const schemas = merged.components!.schemas!;
    expect(schemas.User).toEqual(users.components!.schemas!.User);
    expect(schemas['post-service.User']).toEqual(posts.components!.schemas!.User);
    expect(schemas['post-service.Error']).toBeUndefined(); // identical: shared, not duplicated
    expect(JSON.stringify(paths['/api/v1/users/{id}/posts'])).toContain('#/components/schemas/post-service.User');
    expect(JSON.stringify(paths['/api/v1/posts'])).toContain('#/components/schemas/post-service.User/properties/handle');
    expect(JSON.stringify(paths['/api/v1/users/{id}'])).toContain('"#/components/schemas/User"');
    expect(merged.components!.securitySchemes).toHaveProperty('bearer');
  });

  it('marks register and login public and everything else bearer-protected', () => {
    expect(paths['/api/v1/auth/register']!.post).toMatchObject({ security: [] });
    expect(paths['/api/v1/users/{id}']!.get).toMatchObject({ security: [{ bearer: [] }] });
  });

  it('says which services are missing or inconsistent, in the description and as extensions', () => {
    const description = String(merged.info!.description);
    expect(description).toContain('gateway');
    expect(description).toContain('**notification-service**: unavailable (ECONNREFUSED)');
    expect(description).toContain('**user-service**: 2 operations');
    expect(merged['x-herald-upstreams']).toContainEqual({ service: 'notification-service', status: 'unavailable', reason: 'ECONNREFUSED' });
    expect(merged['x-herald-unrouted']).toEqual(['GET /api/v1/notifications/odd']);
    expect(merged.tags!.map((t) => t.name)).toEqual(['users', 'posts']);
  });

  it('does not touch its inputs', () => {
    expect(posts.components!.schemas).not.toHaveProperty('post-service.User');
    expect(JSON.stringify(posts.paths)).not.toContain('post-service.User');
    expect(own.paths).toHaveProperty('/api/v1/*');
  });

  it('marks the provider receipt and the open routes outside /api/v1 public, routed to notification-service', () => {
    const doc = mergeOpenApi(own, [
      {
        service: 'notification-service',
        ok: true,
        doc: {
          paths: {
            '/api/v1/providers/sms/status': { post: {} },
            '/api/v1/admin/dead-letters': { get: {} },
            '/t/c/{token}': { get: {} },
            '/dev/outbox': { get: {} },
          },
        },
      },
    ]);
    expect(doc.paths!['/api/v1/providers/sms/status']!.post).toMatchObject({ security: [] });
    expect(doc.paths!['/t/c/{token}']!.get).toMatchObject({ security: [] });
    expect(doc.paths!['/dev/outbox']!.get).toMatchObject({ security: [] });
    expect(doc.paths!['/api/v1/admin/dead-letters']!.get).toMatchObject({ security: [{ bearer: [] }] });
    expect(doc['x-herald-unrouted']).toBeUndefined();
  });

  it('keeps the first of two services documenting the same operation and reports the second', () => {
    const twice = mergeOpenApi(own, [
      { service: 'user-service', ok: true, doc: users },
      { service: 'post-service', ok: true, doc: { paths: { '/api/v1/users/{id}': { get: { summary: 'dup' } } } } },
    ]);
    expect(twice.paths!['/api/v1/users/{id}']!.get).toMatchObject({ 'x-herald-service': 'user-service' });
    expect(String(twice.info!.description)).toContain('ignored (already documented): GET /api/v1/users/{id}');
  });
});
