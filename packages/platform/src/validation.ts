import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const base: Options = { allErrors: false, removeAdditional: true, useDefaults: true, strict: false };

/**
 * JSON bodies are validated strictly: `{"text": 42}` is a 400 naming `text`, not a post saying
 * "42". Query strings, params and headers arrive as text, so there (and only there) numbers and
 * booleans are coerced from strings and a single value may stand for an array.
 */
export function schemaCompilers(): FastifySchemaCompiler<unknown> {
  const strict = addFormats(new Ajv({ ...base, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...base, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
