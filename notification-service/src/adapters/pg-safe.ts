import { Prisma } from '../generated/prisma/client.js';

/**
 * PostgreSQL refuses NUL in text and jsonb, and lone UTF-16 surrogates in jsonb. The HTTP edge
 * rejects them with a 400; event payloads from other producers are cleaned here instead, because
 * a notification with one odd character beats a poison message retried into the dead-letter queue.
 */
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function pgText(value: string): string;
export function pgText(value: string | null): string | null;
export function pgText(value: string | null): string | null {
  return value === null ? null : value.replace(UNSAFE, (c) => (c === '\u0000' ? '' : '\uFFFD'));
}

export function pgJson(value: unknown): string {
  return JSON.stringify(clean(value)) ?? 'null';
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return pgText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [pgText(k), clean(v)]));
  }
  return value;
}

/** True when `value` holds a string (or key) PostgreSQL would refuse; for validation at the edge. */
export function hasUnsafeText(value: unknown): boolean {
  if (typeof value === 'string') return new RegExp(UNSAFE.source).test(value);
  if (Array.isArray(value)) return value.some(hasUnsafeText);
  if (value && typeof value === 'object') return Object.entries(value as Record<string, unknown>).some(([k, v]) => hasUnsafeText(k) || hasUnsafeText(v));
  return false;
}

const NEEDS_ESCAPE = /["\\]/;

function arrayElement(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value !== 'string') return String(value);
  return `"${NEEDS_ESCAPE.test(value) ? value.replace(/["\\]/g, '\\$&') : value}"`;
}

/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) built in one pass, to be sent as ONE text parameter
 * and cast in SQL (`::uuid[]`, `::text[]`, `::jsonb[]`). PostgreSQL parses exactly what it parsed
 * before, but handed a JS array, pg builds this literal element by element (a type switch and two
 * regex replaces each, by string concatenation) and Prisma serialises and copies every element on
 * the way: at 1,000 recipients x 16 columns per chunk that was a third of a fan-out's Node CPU and
 * most of its garbage. Strings must already be pgText-clean (NUL cannot be sent either way).
 */
export function pgArray(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `{${values.map(arrayElement).join(',')}}`;
}

/** A list of ids for `= ANY(..)` / `unnest(..)`: a uuid[] from one pgArray parameter. */
export function uuidArray(ids: Iterable<string>): Prisma.Sql {
  return Prisma.sql`${pgArray([...ids])}::uuid[]`;
}
