import { describe, expect, it } from 'vitest';
import { matchesPattern, resolveRoute, serviceForTemplate } from '../../src/routes-table.js';
import { acceptsApiKey } from '../../src/plugins/proxy.js';

describe('routing table', () => {
  it.each([
    ['POST', '/api/v1/auth/register', 'user-service'],
    ['POST', '/api/v1/auth/login', 'user-service'],
    ['POST', '/api/v1/auth/refresh', 'user-service'],
    ['GET', '/api/v1/users', 'user-service'],
    ['GET', '/api/v1/users/me', 'user-service'],
    ['PATCH', '/api/v1/users/me', 'user-service'],
    ['DELETE', '/api/v1/users/me', 'user-service'],
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
    ['GET', '/api/v1/feed', 'post-service'],
    ['GET', '/api/v1/notifications', 'notification-service'],
    ['GET', '/api/v1/notifications/unread-count', 'notification-service'],
    ['POST', '/api/v1/notifications/n1/read', 'notification-service'],
    ['GET', '/api/v1/notifications/status', 'notification-service'],
    ['POST', '/api/v1/notifications/push-subscriptions', 'notification-service'],
    ['GET', '/api/v1/notifications/push-subscriptions', 'notification-service'],
    ['GET', '/api/v1/notifications/push-subscriptions/vapid-public-key', 'notification-service'],
    ['DELETE', '/api/v1/notifications/push-subscriptions/0190c2a4-7b1e-7000-8000-000000000001', 'notification-service'],
    ['GET', '/api/v1/admin/dead-letters', 'notification-service'],
    ['POST', '/api/v1/admin/dead-letters/0190c2a4-7b1e-7000-8000-000000000001/replay', 'notification-service'],
    ['POST', '/api/v1/webhooks', 'notification-service'],
    ['DELETE', '/api/v1/webhooks/w1', 'notification-service'],
    ['POST', '/api/v1/providers/sms/status', 'notification-service'],
    ['POST', '/api/v1/providers/email/events', 'notification-service'],
    ['GET', '/t/c/abc.def', 'notification-service'],
    ['GET', '/t/o/abc.def', 'notification-service'],
    ['HEAD', '/t/o/abc.def', 'notification-service'],
    ['GET', '/dev/outbox', 'notification-service'],
    ['GET', '/dev/outbox.json', 'notification-service'],
  ])('%s %s → %s', (method, path, service) => {
    expect(resolveRoute(method, path)).toMatchObject({ kind: 'routed', service });
  });

  it('carves the exceptions out of /users/* only where docs/api.md says', () => {
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
    ['/api/v1/admin'],
    ['/api/v1/providers'],
    ['/api/v1/webhooksx'],
    ['/api/v1/feeds'],
    ['/api/v1/feed/x'],
    ['/t'],
    ['/dev'],
    ['/dev/outbox/x'],
    ['/dev/outboxes'],
    ['/tracking/c/x'],
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

  it('only POST register, login, refresh, logout and the SMS status callback are public', () => {
    expect(resolveRoute('POST', '/api/v1/auth/register')).toMatchObject({ isPublic: true });
    expect(resolveRoute('post', '/api/v1/auth/login')).toMatchObject({ isPublic: true });
    expect(resolveRoute('GET', '/api/v1/auth/login')).toMatchObject({ isPublic: false });
    expect(resolveRoute('POST', '/api/v1/auth/login/')).toMatchObject({ isPublic: false });
    // Refresh and logout carry a refresh token (the access token has often expired); user-service checks it.
    expect(resolveRoute('POST', '/api/v1/auth/refresh')).toEqual({ kind: 'routed', service: 'user-service', isPublic: true, limit: 'auth' });
    expect(resolveRoute('POST', '/api/v1/auth/logout')).toMatchObject({ isPublic: true, limit: 'auth' });
    expect(resolveRoute('POST', '/api/v1/auth/logout-all')).toMatchObject({ isPublic: false });
    expect(resolveRoute('POST', '/api/v1/auth/password')).toMatchObject({ isPublic: false });
    expect(resolveRoute('GET', '/api/v1/users')).toMatchObject({ isPublic: false });
  });

  it('lets the SMS status callback through without a token, held to the general per-IP budget only', () => {
    expect(resolveRoute('POST', '/api/v1/providers/sms/status')).toEqual({ kind: 'routed', service: 'notification-service', isPublic: true, limit: 'ip' });
    expect(resolveRoute('POST', '/api/v1/auth/login')).toEqual({ kind: 'routed', service: 'user-service', isPublic: true, limit: 'auth' });
    expect(resolveRoute('GET', '/api/v1/users/me')).toEqual({ kind: 'routed', service: 'user-service', isPublic: false, limit: 'user' });
    for (const [method, path] of [
      ['GET', '/api/v1/providers/sms/status'],
      ['POST', '/api/v1/providers/sms/status/'],
      ['POST', '/api/v1/providers/email/events'],
      ['GET', '/api/v1/admin/dead-letters'],
      ['POST', '/api/v1/webhooks'],
      // Web Push subscriptions are the signed-in person's own, the VAPID key included.
      ['POST', '/api/v1/notifications/push-subscriptions'],
      ['GET', '/api/v1/notifications/push-subscriptions/vapid-public-key'],
      ['DELETE', '/api/v1/notifications/push-subscriptions/0190c2a4-7b1e-7000-8000-000000000001'],
    ]) {
      expect(resolveRoute(method!, path!)).toMatchObject({ isPublic: false, limit: 'user' });
    }
  });

  it('routes the open paths outside /api/v1 for GET and HEAD only, always without a token', () => {
    for (const path of ['/t/c/abc.def', '/t/o/abc.def', '/t/c/a/b', '/dev/outbox', '/dev/outbox.json']) {
      expect(resolveRoute('GET', path)).toEqual({ kind: 'routed', service: 'notification-service', isPublic: true, limit: 'ip' });
      expect(resolveRoute('head', path)).toMatchObject({ isPublic: true });
      expect(resolveRoute('POST', path)).toEqual({ kind: 'unknown' });
    }
    expect(resolveRoute('GET', '/t/c/..%2F..%2Fapi')).toMatchObject({ kind: 'invalid' });
  });

  it('maps OpenAPI path templates to their owner', () => {
    expect(serviceForTemplate('/api/v1/users/{id}/posts')).toBe('post-service');
    expect(serviceForTemplate('/api/v1/users/{id}')).toBe('user-service');
    expect(serviceForTemplate('/api/v1/users/me/preferences')).toBe('notification-service');
    expect(serviceForTemplate('/internal/thing')).toBeUndefined();
    expect(serviceForTemplate('/api/v1/admin/dead-letters/{id}/replay')).toBe('notification-service');
    expect(serviceForTemplate('/t/c/{token}')).toBe('notification-service');
    expect(serviceForTemplate('/dev/outbox')).toBe('notification-service');
  });

  it('matches single patterns on decoded segments', () => {
    expect(matchesPattern('/api/v1/admin/*', '/api/v1/admin/dead-letters')).toBe(true);
    expect(matchesPattern('/api/v1/admin/*', '/api/v1/%61dmin/dead-letters')).toBe(true);
    expect(matchesPattern('/api/v1/admin/*', '/api/v1/admin')).toBe(false);
    expect(matchesPattern('/api/v1/admin/*', '/api/v1/admin%2Fdead-letters')).toBe(false);
    expect(matchesPattern('/api/v1/admin/*', '/api/v1/admin/%E0%A4%A')).toBe(false);
  });
});

describe('routes that take an API key instead of a token', () => {
  it.each([
    ['POST', '/api/v1/notifications'],
    ['GET', '/api/v1/notifications/status?id=a'],
    ['POST', '/api/v1/webhooks'],
    ['GET', '/api/v1/webhooks'],
    ['DELETE', '/api/v1/webhooks/w1'],
    ['GET', '/api/v1/admin/dead-letters?channel=email'],
    ['POST', '/api/v1/admin/dead-letters/d1/replay'],
    ['DELETE', '/api/v1/admin/anything/else'],
    ['post', '/api/v1/%6Eotifications'],
  ])('%s %s', (method, url) => {
    expect(acceptsApiKey(method, url)).toBe(true);
  });

  it.each([
    ['GET', '/api/v1/notifications'],
    ['POST', '/api/v1/notifications/status'],
    ['GET', '/api/v1/webhooks/w1'],
    ['DELETE', '/api/v1/webhooks'],
    ['GET', '/api/v1/admin'],
    ['POST', '/api/v1/providers/sms/status'],
    ['GET', '/api/v1/users/me'],
    ['PUT', '/api/v1/users/me/preferences'],
  ])('not %s %s', (method, url) => {
    expect(acceptsApiKey(method, url)).toBe(false);
  });
});
