import type { FetchedDoc, OpenApiDoc } from './openapi-merge.js';
import type { ServiceName } from './routes-table.js';

const FETCH_TIMEOUT_MS = 2_000;

/** A fetch failure in a few words: the socket error code, or the timeout. */
export function describeFailure(err: unknown, timeoutMs: number): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message; // e.g. fetch refusing a port it considers unsafe
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return err instanceof Error ? err.message : String(err);
}

async function fetchDoc(service: ServiceName, baseUrl: string): Promise<FetchedDoc> {
  try {
    const res = await fetch(new URL('/openapi.json', baseUrl), { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) return { service, ok: false, reason: `GET /openapi.json answered ${res.status}` };
    const doc = (await res.json()) as OpenApiDoc;
    if (doc === null || typeof doc !== 'object' || typeof doc.paths !== 'object') {
      return { service, ok: false, reason: '/openapi.json is not an OpenAPI document' };
    }
    return { service, ok: true, doc };
  } catch (err) {
    return { service, ok: false, reason: describeFailure(err, FETCH_TIMEOUT_MS) };
  }
}

/**
 * Each service's own OpenAPI document, fetched when /docs is asked for and kept for `ttlMs`, so
 * the docs follow what is deployed without a restart. Concurrent askers share one round of
 * fetches; a down service is reported, not thrown.
 */
export class UpstreamDocs {
  private cached: { at: number; docs: Promise<FetchedDoc[]> } | undefined;

  constructor(
    private readonly upstreams: Record<ServiceName, string>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<FetchedDoc[]> {
    const now = this.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.docs;
    const docs = Promise.all(Object.entries(this.upstreams).map(([service, url]) => fetchDoc(service as ServiceName, url)));
    this.cached = { at: now, docs };
    return docs;
  }
}
