import type { ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OPEN_ROUTES, matchesPattern } from '../routes-table.js';

/**
 * Content-Security-Policy per kind of response. Directives are joined with `; `.
 * - PAGE: web-demo: every script, style, font and connection from this origin only (`'self'` covers
 *   ws:/wss: to it), images also as data: URIs (the favicon), no plugins, no <base>, forms post here,
 *   and no framing. No inline script or style, no eval.
 * - DOCS: the Swagger UI at /docs: the same, plus inline styles (its bundle injects <style> elements
 *   at run time); still no inline script.
 * - DEV_PAGE: notification-service's dev outbox (embedded mode, HTML it renders with inline styles
 *   and sandboxed email previews): inline styles, images from anywhere, no script at all.
 * - NONE: the API and any JSON: nothing may load or run if such a response is ever rendered.
 */
const directives = (d: Record<string, string>) =>
  Object.entries(d)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
const PAGE = {
  'default-src': "'self'",
  'img-src': "'self' data:",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};
export const CSP = {
  PAGE: directives(PAGE),
  DOCS: directives({ ...PAGE, 'style-src': "'self' 'unsafe-inline'" }),
  DEV_PAGE: directives({
    'default-src': "'none'",
    'style-src': "'unsafe-inline'",
    'img-src': '* data:',
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-ancestors': "'none'",
  }),
  NONE: directives({
    'default-src': "'none'",
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-ancestors': "'none'",
  }),
} as const;

const contentType = (reply: FastifyReply) => String(reply.getHeader('content-type') ?? '');
const isHtml = (reply: FastifyReply) => /^\s*text\/html\b/i.test(contentType(reply));
const isJson = (reply: FastifyReply) => /^\s*application\/([\w.+-]+\+)?json\b/i.test(contentType(reply));
const pathOf = (req: FastifyRequest) => req.url.split('?', 1)[0]!;
const isOpenRoute = (path: string) => OPEN_ROUTES.some((r) => matchesPattern(r.pattern, path));
const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * Which policy a response gets; a policy the upstream set itself is kept. Decided by where the
 * response comes from, not only by its type: a 304 carries no Content-Type, yet the browser takes
 * its CSP over for the page it had cached.
 */
export function policyFor(req: FastifyRequest, reply: FastifyReply): string | undefined {
  if (reply.hasHeader('content-security-policy')) return undefined;
  const path = pathOf(req);
  if (isJson(reply) || under(path, '/api') || under(path, '/ws')) return CSP.NONE;
  if (under(path, '/docs')) return CSP.DOCS;
  if (isOpenRoute(path)) return isHtml(reply) ? CSP.DEV_PAGE : CSP.NONE;
  // web-demo's files and its index.html fallback (a policy on a script or stylesheet is inert).
  return CSP.PAGE;
}

/**
 * The answers nothing should cache: anything asked for with credentials (a token or an API key),
 * anything under /api/, and any JSON (errors, health, the OpenAPI document included).
 */
export function mustNotStore(req: FastifyRequest, reply: FastifyReply): boolean {
  return Boolean(req.headers.authorization) || req.headers['x-api-key'] !== undefined || pathOf(req).startsWith('/api/') || isJson(reply);
}

const BASELINE: ReadonlyArray<[string, string]> = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
];

/**
 * Headers on every answer of the gateway, its own or proxied, errors included (a WebSocket 101 is
 * written by the tunnel, with no body to protect): no MIME sniffing, no framing (X-Frame-Options for
 * browsers that predate frame-ancestors), no Referer leaving the site, a CSP, and no caching of
 * anything personal.
 *
 * Set in onSend, where the content type and the upstream's own headers are known; and, as a
 * fallback, on the raw response as each request arrives, for the few answers fastify writes without
 * running hooks (a URL it cannot decode: 400 `bad_url`, whose message repeats the path).
 */
export const securityHeadersPlugin = fp(
  async (app) => {
    const fallback = (_req: unknown, res: ServerResponse) => {
      for (const [name, value] of BASELINE) res.setHeader(name, value);
      res.setHeader('content-security-policy', CSP.NONE);
      res.setHeader('cache-control', 'no-store');
    };
    app.server.prependListener('request', fallback);
    app.addHook('onClose', async () => {
      app.server.off('request', fallback);
    });

    app.addHook('onSend', async (req, reply, payload) => {
      // Decided here instead, from what the reply really is (the upstream's own headers included).
      reply.raw.removeHeader('content-security-policy');
      reply.raw.removeHeader('cache-control');
      for (const [name, value] of BASELINE) reply.header(name, value);
      const policy = policyFor(req, reply);
      if (policy) reply.header('content-security-policy', policy);
      if (mustNotStore(req, reply)) reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'gateway-security-headers' },
);
