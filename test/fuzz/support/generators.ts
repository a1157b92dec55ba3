/**
 * fast-check arbitraries for hostile HTTP input: malformed bodies derived from a route's OpenAPI
 * body schema (wrong types for its known fields, unknown fields, huge and poisoned strings, deep
 * nesting), invalid JSON, wrong content types, junk path parameters and query strings.
 *
 * Every generated body carries a short `note` (what was done to which field) so a counterexample
 * reads as a recipe instead of megabytes of text.
 */
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Strings

/** Characters that break things: C0 controls, DEL, lone surrogates, bidi/line separators, quotes. */
export const NASTY_CHARS = ['\u0000', '\u0001', '\u0008', '\u000b', '\u001b', '\u001f', '\u007f', '\ud800', '\udbff', '\udc00', '\udfff', '\u2028', '\u2029', '\ufeff', '\u202e', '\uffff', '"', '\\', "'", '%', '\n', '\r', '\t'];

/** Any code point, with the nasty ones (lone surrogates included) much more likely than chance. */
export const nastyString = (maxLength = 24) =>
  fc.string({ unit: fc.oneof({ weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: fc.constantFrom(...NASTY_CHARS) }), maxLength });

/** A string holding at least one refused character (control or lone surrogate) somewhere. */
export const poisonedString = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom('\u0000', '\u0001', '\u0008', '\u000b', '\u001b', '\u001f', '\u007f', '\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ maxLength: 12 }))
  .map(([a, c, b]) => `${a}${c}${b}`);

/**
 * Percent-encodes every byte but the unreserved ones. Lone surrogates become U+FFFD as UTF-8 would
 * encode them; the raw junk (`%ZZ`, `%ED%A0%80`) comes from the constant lists instead.
 */
export function encodeAll(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Raw JSON fragments: text JSON.stringify cannot produce (1e400, 5,000-deep nesting, duplicates)

export class Raw {
  constructor(
    readonly label: string,
    private readonly build: () => string,
  ) {}
  text(): string {
    return this.build();
  }
  toString(): string {
    return this.label;
  }
  [fc.toStringMethod](): string {
    return this.label;
  }
}

/** `depth` nested arrays or objects, built iteratively as text (no recursion anywhere). */
export function deepJson(depth: number, kind: 'array' | 'object' | 'mixed'): Raw {
  return new Raw(`<${depth}-deep ${kind}>`, () => {
    if (kind === 'array') return '['.repeat(depth) + ']'.repeat(depth);
    if (kind === 'object') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    let open = '';
    let close = '';
    for (let i = 0; i < depth; i++) {
      open += i % 2 ? '[' : '{"a":';
      close = (i % 2 ? ']' : '}') + close;
    }
    return open + '0' + close;
  });
}

/** JSON text with Raw fragments spliced in where they appear in `value`. */
export function serialize(value: unknown): string | undefined {
  const raws: Raw[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (v instanceof Raw) {
      raws.push(v);
      return `__fzraw_${raws.length - 1}__`;
    }
    return v;
  });
  if (text === undefined || raws.length === 0) return text;
  return text.replace(/"__fzraw_(\d+)__"/g, (_m, i: string) => raws[Number(i)]!.text());
}

/** Sets an own property even for `__proto__`, so JSON.stringify sends it. */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of `base` with `value` at the dotted `path` (parents created as needed). */
export function withValueAt(base: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const isIndex = /^\d+$/.test(head);
  if (Array.isArray(base) && isIndex) {
    const copy = [...base];
    copy[Number(head)] = withValueAt(copy[Number(head)], rest, value);
    return copy;
  }
  if (isIndex && (base === undefined || base === null || typeof base !== 'object')) {
    const copy: unknown[] = [];
    copy[Number(head)] = withValueAt(undefined, rest, value);
    return Array.from(copy, (v) => (v === undefined ? null : v));
  }
  const copy: Record<string, unknown> = {};
  if (base && typeof base === 'object' && !Array.isArray(base)) for (const [k, v] of Object.entries(base)) defineOwn(copy, k, v);
  defineOwn(copy, head, withValueAt(copy[head], rest, value));
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Values that match a schema well enough to get past the first checks

export interface SampleContext {
  /** Real ids (users, posts, notifications) to use where the schema wants a uuid. */
  ids: string[];
  usernames: string[];
  emails: string[];
  refreshTokens: string[];
}

type Schema = Record<string, any>;

const UUID_PATTERN_HINT = '[0-9a-fA-F]{8}-';
const NOTIFICATION_TYPES = ['follow', 'post', 'comment', 'like', 'mention', 'message', 'alert', 'reminder', 'system'];
const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'), minLength: 3, maxLength: 10 });

function stringFor(name: string, schema: Schema, ctx: SampleContext): fc.Arbitrary<unknown> {
  const pattern = String(schema.pattern ?? '');
  if (pattern.includes(UUID_PATTERN_HINT)) return fc.oneof(fc.constantFrom(...ctx.ids), fc.uuid({ version: [4, 7] }));
  switch (name) {
    case 'username':
      return word.map((w) => `fz_${w}`.slice(0, 32));
    case 'email':
      return word.map((w) => `fz_${w}@example.test`);
    case 'login':
      return fc.oneof(fc.constantFrom(...ctx.usernames, ...ctx.emails), word);
    case 'password':
    case 'newPassword':
    case 'currentPassword':
      return fc.oneof(fc.constant('correct horse battery'), fc.string({ minLength: 8, maxLength: 20 }));
    case 'refreshToken':
      return fc.oneof(fc.constantFrom(...ctx.refreshTokens), word.map((w) => `hrt_${w}`));
    // Only loopback: a subscription or Slack URL that passes validation may be POSTed to later.
    case 'url':
    case 'slackWebhookUrl':
      return fc.constantFrom('https://127.0.0.1:9/fuzz-hook', 'http://127.0.0.1:9/fuzz-hook', 'https://localhost:9/fuzz');
    case 'phone':
      return fc.constantFrom('+14155550123', '+447700900123', '12345', '+1');
    case 'locale':
      return fc.constantFrom('en', 'en-GB', 'de-DE', 'zz-ZZZZ-x', 'x');
    case 'timezone':
      return fc.constantFrom('UTC', 'Europe/London', 'America/New_York', 'Mars/Olympus', '../../etc/passwd');
    case 'template':
      return fc.constantFrom('welcome', 'a.b-c_1', 'does-not-exist');
    case 'idempotencyKey':
      return word.map((w) => `fz-${w}`);
    case 'start':
    case 'end':
      return fc.constantFrom('22:00', '07:00', '00:00', '24:00', '25:99', 'noon');
    case 'text':
    case 'title':
    case 'body':
      return fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom(...ctx.usernames.map((u) => `hi @${u}`)));
  }
  const min = Math.max(schema.minLength ?? 0, 1);
  return fc.string({ minLength: Math.min(min, 30), maxLength: Math.max(Math.min(schema.maxLength ?? 20, 30), Math.min(min, 30)) });
}

/** An arbitrary of values that (mostly) satisfy `schema`, so a single mutation is what gets judged. */
export function validish(schema: Schema | undefined, name: string, ctx: SampleContext, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 5) return fc.constant(null);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => validish(s, name, ctx, depth + 1)));
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as Array<string | undefined>;
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const keys = Object.keys(props);
      if (keys.length === 0) {
        const extra = schema.additionalProperties;
        if (extra && typeof extra === 'object' && Object.keys(extra).length > 0) {
          const key = name === 'types' ? fc.constantFrom(...NOTIFICATION_TYPES, 'bogus') : word;
          return fc.dictionary(key, validish(extra as Schema, name, ctx, depth + 1), { maxKeys: 2 });
        }
        return fc.dictionary(word, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      }
      return fc.record(Object.fromEntries(keys.map((k) => [k, validish(props[k], k, ctx, depth + 1)])), {
        requiredKeys: (schema.required ?? []) as string[],
      });
    }
    case 'array': {
      const minLength = Math.min(schema.minItems ?? 0, 3);
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, 3));
      const items = validish(schema.items as Schema | undefined, name, ctx, depth + 1);
      return schema.uniqueItems ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(items, { minLength, maxLength });
    }
    case 'string':
      return stringFor(name, schema, ctx);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** Dotted paths of the known fields: top-level, one level into objects, the first array item. */
export function fieldPaths(schema: Schema | undefined): { path: string[]; schema: Schema }[] {
  const out: { path: string[]; schema: Schema }[] = [];
  const visit = (s: Schema | undefined, prefix: string[], depth: number) => {
    if (!s || depth > 2) return;
    for (const alt of (s.anyOf ?? s.oneOf ?? []) as Schema[]) visit(alt, prefix, depth);
    for (const [k, child] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      out.push({ path: [...prefix, k], schema: child });
      visit(child, [...prefix, k], depth + 1);
    }
    if (s.type === 'array' && s.items && prefix.length > 0) {
      out.push({ path: [...prefix, '0'], schema: s.items as Schema });
      visit(s.items as Schema, [...prefix, '0'], depth + 1);
    }
  };
  visit(schema, [], 0);
  return out.length > 0 ? out : [{ path: ['text'], schema: {} }, { path: ['id'], schema: {} }];
}

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Raw) return 'raw';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;
}

function expectedTypes(schema: Schema): Set<string> {
  const out = new Set<string>();
  for (const alt of [schema, ...((schema.anyOf ?? schema.oneOf ?? []) as Schema[])]) {
    for (const t of [alt.type].flat() as Array<string | undefined>) {
      if (t) out.add(t);
      if (t === 'number') out.add('integer');
    }
    if (Array.isArray(alt.enum)) for (const e of alt.enum) out.add(jsonTypeOf(e));
  }
  return out;
}

/** Values of every JSON type, including the classic injection and confusion payloads. */
export const anyTypedValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '',
    ' ',
    '0',
    'true',
    'null',
    '[]',
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    '%_\\',
    '${jndi:ldap://127.0.0.1/x}',
    '{{constructor.constructor("return process")()}}',
    0,
    -1,
    1.5,
    -0,
    1e308,
    Number.MAX_SAFE_INTEGER,
    true,
    false,
    null,
    [],
    [1],
    ['a'],
    [[[]]],
    [null],
    {},
    { a: 1 },
    { $ne: null },
    { $gt: '' },
  ),
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

const wrongValueFor = (schema: Schema) => {
  const expected = expectedTypes(schema);
  return anyTypedValue.filter((v) => !expected.has(jsonTypeOf(v)));
};

// ---------------------------------------------------------------------------------------------
// Bodies

export interface BodyCase {
  /** Generator family: wrong-type, huge-string, deep-nesting, invalid-json, … */
  kind: string;
  /** What was done, readable: `text := <70000 × "a">`. */
  note: string;
  /** null: no Content-Type header at all. */
  contentType: string | null;
  body?: Buffer;
  chunked?: boolean;
  extraHeaders?: Record<string, string>;
}

const JSON_CT = 'application/json';

const jsonBody = (kind: string, note: string, value: unknown, contentType: string | null = JSON_CT): BodyCase => {
  const text = serialize(value);
  return { kind, note, contentType, body: text === undefined ? undefined : Buffer.from(text, 'utf8') };
};

export const WRONG_CONTENT_TYPES = [
  null,
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=utf-16le',
  'application/json; charset=latin1',
  'application/json; charset="',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/json-patch+json',
  'application/vnd.api+json',
  'application/json, text/plain',
  'application/json;;;',
  '*/*',
  '',
  ';',
  'json',
  'application/\u00e9',
];

const INVALID_JSON_TEXTS = [
  '{',
  '}',
  '{"a":}',
  "{'a':1}",
  '{"a":1,}',
  '[1,]',
  '{"a" 1}',
  'NaN',
  'Infinity',
  'undefined',
  '{"a":01}',
  '{"a":1}{"b":2}',
  '{"a":"\u0000"}',
  '{"a":"\n"}',
  '\ufeff{}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"\\ud800"}',
  '/* comment */ {}',
  '{"__proto__":',
  'true false',
  '"unterminated',
  '\u0000',
  ' ',
  '\n\n',
];

const NUMBER_TOKENS = ['1e400', '-1e400', '-0', '1e-400', '123456789012345678901234567890', '0.1e1', '1E+2', '9007199254740993', '-9223372036854775809'];

/** Invalid UTF-8 (surrogates, overlong, truncated) spliced into a JSON string. */
const BAD_UTF8 = [
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xc0, 0xae],
  [0xff],
  [0xfe, 0xff],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0x00],
];

const hugeSizes = (maxLength?: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...[maxLength !== undefined ? maxLength + 1 : 257, 5_001, 20_000, 60_000].filter((n) => n > 0)) },
    { weight: 2, arbitrary: fc.constant(70_000) },
    { weight: 1, arbitrary: fc.constant(1_100_000) },
  );

const hugeFill = fc.constantFrom('a', '€', '😀', ' ', '\\', '"', '@x ');

/**
 * Malformed bodies for a route whose JSON body schema is `schema` (undefined: no body expected).
 * Families, each a recipe with a note: anything, json-value, wrong-type, unknown-field,
 * huge-string, poisoned-text (controls, NUL, lone surrogates in values and keys), deep-nesting,
 * wide, numbers, array-instead, invalid-json, raw-bytes, wrong-content-type, duplicate-keys,
 * empty, validish.
 */
export function malformedBody(schema: Schema | undefined, ctx: SampleContext): fc.Arbitrary<BodyCase> {
  const base = schema ? validish(schema, 'body', ctx) : fc.constant<unknown>({});
  const fields = fieldPaths(schema);
  const field = fc.constantFrom(...fields);
  const fieldName = (p: string[]) => p.join('.');

  const anything = fc.anything({ maxDepth: 3, maxKeys: 5 }).map((v) => jsonBody('anything', 'fc.anything()', v));
  const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((v) => jsonBody('json-value', 'fc.jsonValue()', v));

  const wrongType = fc
    .tuple(base, field)
    .chain(([b, f]) => wrongValueFor(f.schema).map((v) => jsonBody('wrong-type', `${fieldName(f.path)} := ${JSON.stringify(v)}`, withValueAt(b, f.path, v))));

  const unknownField = fc
    .tuple(
      base,
      fc.oneof(
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'userId', 'isAdmin', 'admin', 'scopes', 'role', 'createdAt', '$where', 'toString', '', ' text', 'TEXT', 'a.b'),
        nastyString(12),
      ),
      fc.oneof(anyTypedValue, fc.constant({ isAdmin: true, polluted: 1 })),
    )
    .map(([b, key, v]) => jsonBody('unknown-field', `+${JSON.stringify(key)} := ${JSON.stringify(v)}`, withValueAt(b, [key], v)));

  const hugeString = fc
    .tuple(base, field, hugeFill)
    .chain(([b, f, fill]) =>
      hugeSizes(f.schema.maxLength as number | undefined).map((n) => {
        const big = new Raw(`<${n} × ${JSON.stringify(fill)}>`, () => JSON.stringify(fill.repeat(Math.ceil(n / fill.length)).slice(0, n)));
        return jsonBody('huge-string', `${fieldName(f.path)} := ${big.label}`, withValueAt(b, f.path, big));
      }),
    );

  const poisonedValue = fc.tuple(base, field, poisonedString).map(([b, f, s]) => jsonBody('poisoned-text', `${fieldName(f.path)} := ${JSON.stringify(s)}`, withValueAt(b, f.path, s)));
  const poisonedKey = fc.tuple(base, poisonedString, fc.constantFrom<unknown>('x', 1, null)).map(([b, k, v]) => jsonBody('poisoned-text', `key ${JSON.stringify(k)} := ${JSON.stringify(v)}`, withValueAt(b ?? {}, [k], v)));
  const poisonedNested = fc
    .tuple(base, field, poisonedString)
    .map(([b, f, s]) => jsonBody('poisoned-text', `${fieldName(f.path)} := [{"x": ${JSON.stringify(s)}}]`, withValueAt(b, f.path, [{ x: s }])));

  const depth = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(33, 100, 1_000, 5_000) }, { weight: 1, arbitrary: fc.constantFrom(30_000, 100_000) });
  const deepKind = fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed');
  const deepTop = fc.tuple(depth, deepKind).map(([d, k]) => {
    const raw = deepJson(d, k);
    return { kind: 'deep-nesting', note: `body := ${raw.label}`, contentType: JSON_CT, body: Buffer.from(raw.text()) } satisfies BodyCase;
  });
  const deepField = fc.tuple(base, field, depth, deepKind).map(([b, f, d, k]) => {
    const raw = deepJson(d, k);
    return jsonBody('deep-nesting', `${fieldName(f.path)} := ${raw.label}`, withValueAt(b, f.path, raw));
  });

  const wide = fc.tuple(base, field, fc.constantFrom('uuids-201', 'uuids-1001', 'uuids-1500', 'ints-20000', 'keys-3000', 'strings-5000')).map(([b, f, shape]) => {
    const [what, n] = shape.split('-') as [string, string];
    const count = Number(n);
    const raw = new Raw(`<${count} ${what}>`, () => {
      if (what === 'keys') return `{${Array.from({ length: count }, (_, i) => `"k${i}":${i}`).join(',')}}`;
      if (what === 'ints') return `[${Array.from({ length: count }, (_, i) => i).join(',')}]`;
      if (what === 'strings') return JSON.stringify(Array.from({ length: count }, (_, i) => `s${i}`));
      return JSON.stringify(Array.from({ length: count }, (_, i) => ctx.ids[i % ctx.ids.length]!.replace(/.{4}$/, i.toString(16).padStart(4, '0'))));
    });
    return jsonBody('wide', `${fieldName(f.path)} := ${raw.label}`, withValueAt(b, f.path, raw));
  });

  const numbers = fc
    .tuple(base, field, fc.constantFrom(...NUMBER_TOKENS))
    .map(([b, f, token]) => jsonBody('numbers', `${fieldName(f.path)} := ${token}`, withValueAt(b, f.path, new Raw(token, () => token))));

  const arrayInstead = fc.tuple(base, fc.constantFrom('[b]', '[]', '[[b]]', '"b"', '42', 'true', 'null', '[b,b]')).map(([b, shape]) => {
    const value = { '[b]': [b], '[]': [], '[[b]]': [[b]], '"b"': JSON.stringify(b), '42': 42, true: true, null: null, '[b,b]': [b, b] }[shape];
    return jsonBody('array-instead', `body := ${shape}`, value);
  });

  const invalidJson = fc.oneof(
    fc.constantFrom(...INVALID_JSON_TEXTS).map((t) => ({ kind: 'invalid-json', note: `text ${JSON.stringify(t)}`, contentType: JSON_CT, body: Buffer.from(t, 'utf8') }) satisfies BodyCase),
    fc
      .tuple(base, fc.nat())
      .map(([b, cut]) => {
        const text = serialize(b) ?? '{}';
        const at = text.length > 1 ? 1 + (cut % (text.length - 1)) : 0;
        return { kind: 'invalid-json', note: `validish cut at ${at}/${text.length}`, contentType: JSON_CT, body: Buffer.from(text.slice(0, at), 'utf8') } satisfies BodyCase;
      }),
    nastyString(40)
      .filter((t) => {
        try {
          JSON.parse(t);
          return false;
        } catch {
          return true;
        }
      })
      .map((t) => ({ kind: 'invalid-json', note: `text ${JSON.stringify(t)}`, contentType: JSON_CT, body: Buffer.from(t, 'utf8') }) satisfies BodyCase),
  );

  const rawBytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'raw-bytes', note: `bytes ${Buffer.from(bytes).toString('hex').slice(0, 80)}`, contentType: JSON_CT, body: Buffer.from(bytes) }) satisfies BodyCase),
    fc.tuple(base, field, fc.constantFrom(...BAD_UTF8)).map(([b, f, bytes]) => {
      const marker = '__fzbytes__';
      const text = serialize(withValueAt(b, f.path, `a${marker}b`)) ?? '';
      const [before, after] = text.split(marker) as [string, string];
      const body = Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bytes), Buffer.from(after ?? '', 'utf8')]);
      return { kind: 'raw-bytes', note: `${fieldName(f.path)} holds raw bytes ${Buffer.from(bytes).toString('hex')}`, contentType: JSON_CT, body } satisfies BodyCase;
    }),
    base.map((b) => ({ kind: 'raw-bytes', note: 'validish as UTF-16LE', contentType: JSON_CT, body: Buffer.from(serialize(b) ?? '{}', 'utf16le') }) satisfies BodyCase),
    base.map((b) => ({ kind: 'raw-bytes', note: 'validish with a UTF-8 BOM', contentType: JSON_CT, body: Buffer.from(`\ufeff${serialize(b) ?? '{}'}`, 'utf8') }) satisfies BodyCase),
  );

  const wrongContentType = fc
    .tuple(fc.oneof(base, fc.constant<unknown>('a=1&b=2')), fc.constantFrom(...WRONG_CONTENT_TYPES))
    .map(([b, ct]) => ({ ...jsonBody('wrong-content-type', `content-type ${JSON.stringify(ct)}`, b, ct) }));

  const duplicateKeys = fc.tuple(base, field, anyTypedValue).map(([b, f, v]) => {
    const key = JSON.stringify(f.path[0]);
    const text = serialize(b) ?? '{}';
    const body = text.startsWith('{') ? `{${key}:${JSON.stringify(v)},${text.slice(1)}`.replace(/,}$/, '}') : text;
    return { kind: 'duplicate-keys', note: `${f.path[0]} given twice, first as ${JSON.stringify(v)}`, contentType: JSON_CT, body: Buffer.from(body, 'utf8') } satisfies BodyCase;
  });

  const empty = fc.constantFrom<BodyCase>(
    { kind: 'empty', note: 'content-type json, no body', contentType: JSON_CT },
    { kind: 'empty', note: 'content-type json, empty body', contentType: JSON_CT, body: Buffer.alloc(0) },
    { kind: 'empty', note: 'whitespace body', contentType: JSON_CT, body: Buffer.from(' \n\t ') },
    { kind: 'empty', note: 'body null', contentType: JSON_CT, body: Buffer.from('null') },
    { kind: 'empty', note: 'body {}', contentType: JSON_CT, body: Buffer.from('{}') },
    { kind: 'empty', note: 'no body, no content-type', contentType: null },
  );

  const plain = base.map((b) => jsonBody('validish', 'validish body', b));

  return fc.oneof(
    { weight: 3, arbitrary: anything },
    { weight: 2, arbitrary: jsonValue },
    { weight: 5, arbitrary: wrongType },
    { weight: 3, arbitrary: unknownField },
    { weight: 3, arbitrary: hugeString },
    { weight: 2, arbitrary: poisonedValue },
    { weight: 1, arbitrary: poisonedKey },
    { weight: 1, arbitrary: poisonedNested },
    { weight: 2, arbitrary: deepTop },
    { weight: 2, arbitrary: deepField },
    { weight: 1, arbitrary: wide },
    { weight: 2, arbitrary: numbers },
    { weight: 2, arbitrary: arrayInstead },
    { weight: 3, arbitrary: invalidJson },
    { weight: 2, arbitrary: rawBytes },
    { weight: 3, arbitrary: wrongContentType },
    { weight: 1, arbitrary: duplicateKeys },
    { weight: 1, arbitrary: empty },
    { weight: 2, arbitrary: plain },
  );
}

/** Transport-level twists applied to some requests: chunked bodies, Expect, encodings, request ids. */
export const transportTwist: fc.Arbitrary<{ note: string; chunked?: boolean; headers: Record<string, string> }> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ note: '', headers: {} }) },
  { weight: 1, arbitrary: fc.constant({ note: 'chunked', chunked: true, headers: {} }) },
  { weight: 1, arbitrary: fc.constantFrom('100-continue', '200-ok', 'x') .map((e) => ({ note: `expect ${e}`, headers: { expect: e } })) },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x') .map((e) => ({ note: `content-encoding ${e}`, headers: { 'content-encoding': e } })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'x'.repeat(200), '../../x', 'a b', '\u00e9').map((id) => ({ note: `x-request-id ${JSON.stringify(id)}`, headers: { 'x-request-id': id } })),
  },
);

// ---------------------------------------------------------------------------------------------
// Paths and query strings

const JUNK_SEGMENTS = [
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  'me',
  '0',
  '-1',
  '1e9',
  'null',
  'undefined',
  'true',
  '%',
  '%zz',
  '%00',
  '%2e%2e',
  '..',
  '.',
  '%2F',
  'a%2Fb',
  '%5C',
  '%C0%AE%C0%AE',
  '%ED%A0%80',
  '%FF%FE',
  '%E2%80%AE',
  '%0A',
  '%0D%0A',
  '%20',
  '%27%20OR%201%3D1--',
  '%22',
  '%7B%7D',
  'x'.repeat(300),
  'x'.repeat(9000),
  '%25',
  '%u0000',
  '%%30%30',
];

/** A path parameter: a real id, a random uuid, a uuid written oddly, or junk (encoded or raw). */
export function pathParam(ids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ids) },
    { weight: 3, arbitrary: fc.uuid({ version: [1, 4, 7, 15] }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...ids).chain((id) =>
        fc.constantFrom(id.toUpperCase(), id.replaceAll('-', ''), `%7B${id}%7D`, `${id}%00`, `${id}%20`, `${id}x`, id.slice(0, -1), `${id}%2F..`, `${id};x=1`, encodeAll(`${id}\u0000`)),
      ),
    },
    { weight: 3, arbitrary: fc.constantFrom(...JUNK_SEGMENTS) },
    { weight: 3, arbitrary: nastyString(30).map(encodeAll) },
  );
}

const JUNK_QUERY_VALUES = ['', '0', '-1', '101', '1e3', '1.5', 'abc', 'true', 'null', '%', '%00', '%ZZ', '%ED%A0%80', '%FF', 'x'.repeat(5000), '%27%20OR%201%3D1--', '%25', '_', '%5C', 'NaN', '%0A', '[]', '%5B%5D', '__proto__'];

/** `?` plus junk pairs (the route's own parameters most often), or '' for none. */
export function junkQuery(params: string[], ids: string[]): fc.Arbitrary<string> {
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...params, 'limit', 'cursor') },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'limit[]', 'a[b]', 'a.b', '', 'token', '%00') },
    { weight: 1, arbitrary: nastyString(8).map(encodeAll) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...JUNK_QUERY_VALUES) },
    { weight: 2, arbitrary: fc.integer({ min: -5, max: 200 }).map(String) },
    { weight: 2, arbitrary: nastyString(20).map(encodeAll) },
    { weight: 1, arbitrary: fc.constantFrom(...ids) },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`) },
    { weight: 1, arbitrary: fc.constantFrom('?', '??', '?&&', '?=', '?=&=', '?limit', '?limit=1&limit=2', '?cursor=a&cursor=b') },
  );
}
