/**
 * Which service owns a public path. Pure, so the whole routing decision is one unit-tested table
 * instead of being spread over router precedence rules.
 *
 * Paths are matched on their percent-decoded segments, as the services' routers decode them, so the
 * gateway and the service that answers always agree about which route a request is (a request the
 * gateway treats as public is the same route the service treats as public).
 */
export const SERVICE_NAMES = ['user-service', 'post-service', 'notification-service'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface RouteRule {
  /** Literal segments, `:param` (one non-empty segment) or a trailing `*` (one or more segments). */
  pattern: string;
  service: ServiceName;
}

/** First match wins: each carve-out comes before the prefix it is carved from. */
export const ROUTES: readonly RouteRule[] = [
  { pattern: '/api/v1/users/me/preferences', service: 'notification-service' },
  { pattern: '/api/v1/users/preferences', service: 'notification-service' },
  { pattern: '/api/v1/users/:id/posts', service: 'post-service' },
  { pattern: '/api/v1/auth/*', service: 'user-service' },
  { pattern: '/api/v1/users', service: 'user-service' },
  { pattern: '/api/v1/users/*', service: 'user-service' },
  { pattern: '/api/v1/posts', service: 'post-service' },
  { pattern: '/api/v1/posts/*', service: 'post-service' },
  { pattern: '/api/v1/messages', service: 'post-service' },
  { pattern: '/api/v1/messages/*', service: 'post-service' },
  { pattern: '/api/v1/notifications', service: 'notification-service' },
  { pattern: '/api/v1/notifications/*', service: 'notification-service' },
];

/** The only routes reachable without an access token. */
export const PUBLIC_ROUTES: ReadonlyArray<{ method: string; path: string }> = [
  { method: 'POST', path: '/api/v1/auth/register' },
  { method: 'POST', path: '/api/v1/auth/login' },
];

export type Resolution =
  | { kind: 'routed'; service: ServiceName; isPublic: boolean }
  | { kind: 'unknown' }
  | { kind: 'invalid'; reason: string };

/** Decoded path segments (without the leading empty one), or why no service could route the path. */
export function pathSegments(path: string): string[] | { invalid: string } {
  if (!path.startsWith('/')) return { invalid: 'path must start with /' };
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { invalid: 'path has malformed percent-encoding' };
    }
    // A dot segment (even one spelled with an encoded slash) would be normalised away by some HTTP
    // stack between here and the service, which would then answer for a path nobody checked.
    if (segment.split(/[/\\]/).some((part) => part === '.' || part === '..')) return { invalid: 'path has a dot segment' };
    if (segment.includes('\0')) return { invalid: 'path has a NUL byte' };
    segments.push(segment);
  }
  return segments;
}

const compiled = ROUTES.map((rule) => ({ ...rule, segments: rule.pattern.slice(1).split('/') }));
const publicKeys = new Set(PUBLIC_ROUTES.map((r) => `${r.method} ${r.path}`));

function matches(pattern: string[], segments: string[]): boolean {
  const wildcard = pattern[pattern.length - 1] === '*';
  const fixed = wildcard ? pattern.length - 1 : pattern.length;
  if (wildcard ? segments.length <= fixed : segments.length !== fixed) return false;
  for (let i = 0; i < fixed; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(':') ? s === '' : p !== s) return false;
  }
  return true;
}

/** Routes a request path (no query string) and says whether it may go without a token. */
export function resolveRoute(method: string, path: string): Resolution {
  const segments = pathSegments(path);
  if (!Array.isArray(segments)) return { kind: 'invalid', reason: segments.invalid };
  const rule = compiled.find((r) => matches(r.segments, segments));
  if (!rule) return { kind: 'unknown' };
  const decodedPath = `/${segments.join('/')}`;
  return { kind: 'routed', service: rule.service, isPublic: publicKeys.has(`${method.toUpperCase()} ${decodedPath}`) };
}

/** The owning service of an OpenAPI path template such as `/api/v1/users/{id}/posts`. */
export function serviceForTemplate(template: string): ServiceName | undefined {
  const sample = template.replace(/\{[^}]+\}/g, 'x');
  const resolution = resolveRoute('GET', sample);
  return resolution.kind === 'routed' ? resolution.service : undefined;
}

export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}
