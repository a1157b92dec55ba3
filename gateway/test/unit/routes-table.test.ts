import { describe, expect, it } from 'vitest';
import { resolveRoute, serviceForTemplate } from '../../src/routes-table.js';

describe('routing table', () => {
  it.each([
    ['POST', '/api/v1/auth/register', 'user-service'],
    ['POST', '/api/v1/auth/login', 'user-service'],
    ['POST', '/api/v1/auth/refresh', 'user-service'],
    ['GET', '/api/v1/users', 'user-service'],
    ['GET', '/api/v1/users/me', 'user-service'],
    ['PATCH', '/api/v1/users/me', 'user-service'],
    ['GET', '/api/v1/users/0190c2a4-7b1e-7000-8000-000000000001', 'user-service'],
    ['POST', '/api/v1/users/abc/follow', 'user-service'],
    ['GET', '/api/v1/users/abc/followers', 'user-service'],
    ['GET', '/api/v1/users/abc/following', 'user-service'],
    ['GET', '/api/v1/users/abc/posts', 'post-service'],
    ['GET', '/api/v1/users/me/posts', 'post-service'],
    ['GET', '/api/v1/users/me/preferences', 'notification-service'],
    ['PUT', '/api/v1/users/me/preferences', 'notification-service'],
    ['POST', '/api/v1/users/preferences', 'notification-service'],
    ['POST', '/api/v1/posts', 'post-service'],
    ['GET', '/api/v1/posts/p1', 'post-service'],
    ['POST', '/api/v1/posts/p1/comments', 'post-service'],
    ['DELETE', '/api/v1/posts/p1/likes', 'post-service'],
    ['POST', '/api/v1/messages', 'post-service'],
    ['GET', '/api/v1/notifications', 'notification-service'],
    ['GET', '/api/v1/notifications/unread-count', 'notification-service'],
    ['POST', '/api/v1/notifications/n1/read', 'notification-service'],
    ['GET', '/api/v1/notifications/status', 'notification-service'],
  ])('%s %s → %s', (method, path, service) => {
    expect(resolveRoute(method, path)).toMatchObject({ kind: 'routed', service });
  });

  it('carves the exceptions out of /users/* only where the contract says', () => {
    // One segment deeper than the carve-out is the user-service prefix again.
    expect(resolveRoute('GET', '/api/v1/users/abc/posts/extra')).toMatchObject({ service: 'user-service' });
    expect(resolveRoute('GET', '/api/v1/users/abc/preferences')).toMatchObject({ service: 'user-service' });
    expect(resolveRoute('GET', '/api/v1/users/me/preferences/x')).toMatchObject({ service: 'user-service' });
  });

  it('matches decoded segments, as the services route them', () => {
    expect(resolveRoute('GET', '/api/v1/users/%6De/preferences')).toMatchObject({ service: 'notification-service' });
    expect(resolveRoute('POST', '/api/v1/auth/%6Cogin')).toMatchObject({ service: 'user-service', isPublic: true });
    // An encoded slash stays inside its segment: this is one odd user id, not a deeper path.
    expect(resolveRoute('GET', '/api/v1/users/a%2Fb/posts')).toMatchObject({ service: 'post-service' });
  });

  it.each([
    ['/api/v1'],
    ['/api/v1/'],
    ['/api/v1/auth'],
    ['/api/v1/unknown'],
    ['/api/v2/posts'],
    ['/API/v1/posts'],
    ['/api/v1//posts'],
    ['/api/v1/postsx'],
  ])('%s belongs to no service', (path) => {
    expect(resolveRoute('GET', path)).toEqual({ kind: 'unknown' });
  });

  it.each([
    ['/api/v1/posts/%E0%A4%A', 'malformed percent-encoding'],
    ['/api/v1/posts/../users', 'dot segment'],
    ['/api/v1/posts/%2e%2e/users', 'dot segment'],
    ['/api/v1/posts/%00', 'NUL'],
  ])('%s is refused as invalid (%s)', (path, reason) => {
    const result = resolveRoute('GET', path);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason).toContain(reason);
  });

  it('only POST register and POST login are public', () => {
    expect(resolveRoute('POST', '/api/v1/auth/register')).toMatchObject({ isPublic: true });
    expect(resolveRoute('post', '/api/v1/auth/login')).toMatchObject({ isPublic: true });
    expect(resolveRoute('GET', '/api/v1/auth/login')).toMatchObject({ isPublic: false });
    expect(resolveRoute('POST', '/api/v1/auth/login/')).toMatchObject({ isPublic: false });
    expect(resolveRoute('POST', '/api/v1/auth/logout')).toMatchObject({ isPublic: false });
    expect(resolveRoute('GET', '/api/v1/users')).toMatchObject({ isPublic: false });
  });

  it('maps OpenAPI path templates to their owner', () => {
    expect(serviceForTemplate('/api/v1/users/{id}/posts')).toBe('post-service');
    expect(serviceForTemplate('/api/v1/users/{id}')).toBe('user-service');
    expect(serviceForTemplate('/api/v1/users/me/preferences')).toBe('notification-service');
    expect(serviceForTemplate('/internal/thing')).toBeUndefined();
  });
});
