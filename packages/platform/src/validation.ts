import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const base: Options = { allErrors: false, useDefaults: true, strict: false };

/**
 * JSON bodies are validated strictly: `{"text": 42}` is a 400 naming `text`, not a post saying
 * "42", and an unknown field is a 400 naming it (`foo: unknown field`), never silently dropped.
 * Every object in a body schema is closed unless it says otherwise: one that must take fields it
 * does not list (a free-form `data` payload, a provider's callback) declares
 * `additionalProperties: true` or is a `Type.Record`, with a comment saying why.
 *
 * Query strings, params and headers arrive as text, so there (and only there) numbers and
 * booleans are coerced from strings and a single value may stand for an array. Unknown query
 * parameters are dropped where the schema says `additionalProperties: false`, as before.
 *
 * Control characters, lone surrogates and nesting depth are checked before any schema, for every
 * route, by the preValidation hook of createHttpApp (input-hygiene.ts).
 */
export function schemaCompilers(): FastifySchemaCompiler<unknown> {
  const strict = addFormats(new Ajv({ ...base, removeAdditional: false, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...base, removeAdditional: true, coerceTypes: 'array' }));
  return ({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(closeObjects(schema) as object) : coercing.compile(schema as object);
}

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of `schema` in which every object schema that lists `properties` and says nothing about
 * other fields gets `additionalProperties: false`. Records (`patternProperties`), explicit
 * `additionalProperties`/`unevaluatedProperties` and the members of an `allOf` (an intersection,
 * where each part sees the other's fields) are left as they are. The route's own schema object is
 * not modified: the OpenAPI document and the type provider keep using it.
 */
export function closeObjects(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  const out: Schema = { ...schema };
  if (
    isSchema(out.properties) &&
    out.additionalProperties === undefined &&
    out.unevaluatedProperties === undefined &&
    out.patternProperties === undefined &&
    out.allOf === undefined
  ) {
    out.additionalProperties = false;
  }
  for (const key of ['properties', 'patternProperties'] as const) {
    const map = out[key];
    if (isSchema(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, closeObjects(v)]));
  }
  // Not `not`: closing an object there would widen what the route accepts.
  for (const key of ['items', 'additionalProperties'] as const) {
    if (isSchema(out[key])) out[key] = closeObjects(out[key]);
  }
  for (const key of ['anyOf', 'oneOf', 'prefixItems', 'items'] as const) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map(closeObjects);
  }
  return out;
}
