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
  { pattern: '/api/v1/feed', service: 'post-service' },
  { pattern: '/api/v1/notifications', service: 'notification-service' },
  // The inbox, delivery status and Web Push subscriptions (/api/v1/notifications/push-subscriptions/*).
  { pattern: '/api/v1/notifications/*', service: 'notification-service' },
  // Operators (dead letters, replays), webhook subscriptions and provider receipts.
  { pattern: '/api/v1/admin/*', service: 'notification-service' },
  { pattern: '/api/v1/webhooks', service: 'notification-service' },
  { pattern: '/api/v1/webhooks/*', service: 'notification-service' },
  { pattern: '/api/v1/providers/*', service: 'notification-service' },
];

/**
 * Outside `/api/v1`, GET (and HEAD) only, never a token: the links in sent emails (`/t/c/<token>`
 * redirects, `/t/o/<token>` is the open pixel; the token is signed, the service checks it) and
 * embedded mode's dev outbox (the service answers 404 when it has none). Proxied as they are.
 */
export const OPEN_ROUTES: readonly RouteRule[] = [
  { pattern: '/t/*', service: 'notification-service' },
  { pattern: '/dev/outbox', service: 'notification-service' },
  { pattern: '/dev/outbox.json', service: 'notification-service' },
];
const OPEN_METHODS = new Set(['GET', 'HEAD']);

/**
 * The budget a request counts against besides the general per-IP one: `auth` the stricter per-IP
 * sign-in budget, `user` the token's subject, `ip` nothing more.
 */
export type LimitBudget = 'auth' | 'user' | 'ip';

/**
 * The `/api/v1` routes reachable without an access token. The provider receipt is verified by its
 * signature in notification-service instead; it comes from the provider's few addresses as fast as
 * messages are sent, so it is not held to the sign-in budget.
 */
export const PUBLIC_ROUTES: ReadonlyArray<{ method: string; path: string; limit: Exclude<LimitBudget, 'user'> }> = [
  { method: 'POST', path: '/api/v1/auth/register', limit: 'auth' },
  { method: 'POST', path: '/api/v1/auth/login', limit: 'auth' },
  // A refresh token is the credential here (the access token has usually expired); user-service checks it.
  { method: 'POST', path: '/api/v1/auth/refresh', limit: 'auth' },
  { method: 'POST', path: '/api/v1/auth/logout', limit: 'auth' },
  { method: 'POST', path: '/api/v1/providers/sms/status', limit: 'ip' },
];

export type Resolution =
  | { kind: 'routed'; service: ServiceName; isPublic: boolean; limit: LimitBudget }
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

const compile = (rules: readonly RouteRule[]) => rules.map((rule) => ({ ...rule, segments: rule.pattern.slice(1).split('/') }));
const compiled = compile(ROUTES);
const compiledOpen = compile(OPEN_ROUTES);
const publicLimits = new Map(PUBLIC_ROUTES.map((r) => [`${r.method} ${r.path}`, r.limit]));

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

/** Whether a path (no query string) matches a pattern of the table's syntax, on decoded segments. */
export function matchesPattern(pattern: string, path: string): boolean {
  const segments = pathSegments(path);
  return Array.isArray(segments) && matches(pattern.slice(1).split('/'), segments);
}

/** Routes a request path (no query string) and says whether it may go without a token. */
export function resolveRoute(method: string, path: string): Resolution {
  const segments = pathSegments(path);
  if (!Array.isArray(segments)) return { kind: 'invalid', reason: segments.invalid };
  const verb = method.toUpperCase();
  const rule = compiled.find((r) => matches(r.segments, segments));
  if (rule) {
    const limit = publicLimits.get(`${verb} /${segments.join('/')}`);
    return limit ? { kind: 'routed', service: rule.service, isPublic: true, limit } : { kind: 'routed', service: rule.service, isPublic: false, limit: 'user' };
  }
  const open = OPEN_METHODS.has(verb) ? compiledOpen.find((r) => matches(r.segments, segments)) : undefined;
  return open ? { kind: 'routed', service: open.service, isPublic: true, limit: 'ip' } : { kind: 'unknown' };
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
