import { resolveRoute, serviceForTemplate, type ServiceName } from './routes-table.js';

/**
 * Merges the gateway's own OpenAPI document with each service's, so /docs shows exactly the
 * schemas the services validate. Pure: fetching and caching live in plugins/docs.ts.
 */
export type OpenApiDoc = Record<string, unknown> & {
  info?: Record<string, unknown>;
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  tags?: Array<{ name: string }>;
};

export type FetchedDoc = { service: ServiceName; ok: true; doc: OpenApiDoc } | { service: ServiceName; ok: false; reason: string };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const BEARER = [{ bearer: [] }];

/** Rewrites `#/components/<section>/<from>` references (and deeper pointers under them) in place. */
function rewriteRefs(node: unknown, section: string, from: string, to: string): void {
  if (Array.isArray(node)) return node.forEach((item) => rewriteRefs(item, section, from, to));
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const old = `#/components/${section}/${from}`;
  for (const [key, value] of Object.entries(record)) {
    if (key === '$ref' && typeof value === 'string' && (value === old || value.startsWith(`${old}/`))) {
      record[key] = `#/components/${section}/${to}${value.slice(old.length)}`;
    } else {
      rewriteRefs(value, section, from, to);
    }
  }
}

/** Two services may both name a component `User` (or `def-0`) and mean different things. */
function mergeComponents(target: OpenApiDoc, doc: OpenApiDoc, service: ServiceName): void {
  const into = (target.components ??= {});
  for (const [section, entries] of Object.entries(doc.components ?? {})) {
    const existing = (into[section] ??= {});
    for (const [name, value] of Object.entries(entries ?? {})) {
      if (!(name in existing) || JSON.stringify(existing[name]) === JSON.stringify(value)) {
        existing[name] = value;
        continue;
      }
      const renamed = `${service}.${name}`;
      rewriteRefs(doc, section, name, renamed);
      existing[renamed] = value;
    }
  }
}

interface Outcome {
  operations: number;
  conflicts: string[];
  unrouted: string[];
}

function mergePaths(target: OpenApiDoc, doc: OpenApiDoc, service: ServiceName): Outcome {
  const outcome: Outcome = { operations: 0, conflicts: [], unrouted: [] };
  const paths = (target.paths ??= {});
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const merged = (paths[path] ??= {});
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) {
        merged[method] ??= operation; // path-level parameters, summary, ...
        continue;
      }
      if (merged[method] !== undefined) {
        outcome.conflicts.push(`${method.toUpperCase()} ${path}`);
        continue;
      }
      const op: Record<string, unknown> = { ...(operation as Record<string, unknown>), 'x-herald-service': service };
      // The gateway, not the service, decides what needs a token: say so as it enforces it.
      const sample = path.replace(/\{[^}]+\}/g, 'x');
      const route = resolveRoute(method, sample);
      if (route.kind === 'routed' && route.isPublic) op.security = [];
      else op.security ??= BEARER;
      if (serviceForTemplate(path) !== service) outcome.unrouted.push(`${method.toUpperCase()} ${path}`);
      merged[method] = op;
      outcome.operations++;
    }
  }
  return outcome;
}

export function mergeOpenApi(own: OpenApiDoc, fetched: readonly FetchedDoc[], extraPaths: OpenApiDoc['paths'] = {}): OpenApiDoc {
  const result: OpenApiDoc = structuredClone(own);
  // The proxy's own catch-all routes are plumbing, not API.
  result.paths = Object.fromEntries(Object.entries({ ...result.paths, ...extraPaths }).filter(([path]) => !path.includes('*')));
  const tags = new Map((result.tags ?? []).map((t) => [t.name, t]));
  const lines: string[] = [];
  const upstreams: unknown[] = [];
  const unrouted: string[] = [];

  for (const entry of fetched) {
    if (!entry.ok) {
      lines.push(`- **${entry.service}**: unavailable (${entry.reason}); its routes are missing from this document until it answers.`);
      upstreams.push({ service: entry.service, status: 'unavailable', reason: entry.reason });
      continue;
    }
    const doc = structuredClone(entry.doc);
    mergeComponents(result, doc, entry.service);
    const outcome = mergePaths(result, doc, entry.service);
    for (const tag of doc.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
    unrouted.push(...outcome.unrouted);
    const conflicts = outcome.conflicts.length ? `; ignored (already documented): ${outcome.conflicts.join(', ')}` : '';
    lines.push(`- **${entry.service}**: ${outcome.operations} operations${conflicts}`);
    upstreams.push({ service: entry.service, status: 'ok', operations: outcome.operations });
  }
  if (unrouted.length) lines.push(`- not routed to the service that documents them: ${unrouted.join(', ')}`);

  const description = [String(result.info?.description ?? ''), '### Sources', ...lines].filter(Boolean).join('\n\n');
  result.info = { ...result.info, description };
  result.tags = [...tags.values()];
  result['x-herald-upstreams'] = upstreams;
  if (unrouted.length) result['x-herald-unrouted'] = unrouted;
  return result;
}
