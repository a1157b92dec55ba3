/**
 * Checks every request's parsed body, query string and params before schema validation (installed
 * by createHttpApp as a preValidation hook, so it covers routes with a custom validator or none):
 *
 * - Text: C0 control characters other than tab, LF and CR, DEL (U+007F) and lone UTF-16
 *   surrogates are refused in every string and every object key. PostgreSQL cannot store NUL at
 *   all (and an error on the embedded database's one connection used to cost other callers their
 *   query), refuses lone surrogates in jsonb, and the rest has no business in user text.
 * - Depth: JSON nested more than MAX_JSON_DEPTH levels is refused. JSON.parse copes with 20,000
 *   levels but recursive code after it (ajv, walkers, JSON.stringify) overflows the stack, so this
 *   walk is iterative and runs before any of them.
 */
export const MAX_JSON_DEPTH = 32;

const UNSAFE_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|\p{Cs}/u;

export const UNSAFE_TEXT_MESSAGE = 'must not contain control characters or unpaired surrogates';

/** True for a string holding a refused control character or a lone surrogate. */
export function hasUnsafeText(value: string): boolean {
  return UNSAFE_TEXT.test(value);
}

export interface InputProblem {
  /** Dotted path (`data.items.0.title`); '' means the value as a whole. */
  field: string;
  message: string;
}

interface Frame {
  value: unknown;
  parent: Frame | undefined;
  key: string;
  depth: number;
}

function pathOf(frame: Frame | undefined): string[] {
  const segments: string[] = [];
  for (let f = frame; f?.parent; f = f.parent) segments.push(f.key);
  return segments.reverse();
}

/** `{}`, `Object.create(null)`, or fastify's query object (whose prototype has a null prototype). */
function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * The first problem in a parsed value, or undefined. Walks only JSON-shaped data (strings, arrays,
 * plain objects); anything else (a stream the gateway forwards, a Buffer) is left alone.
 */
export function findInputProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): InputProblem | undefined {
  const stack: Frame[] = [{ value, parent: undefined, key: '', depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      if (hasUnsafeText(v)) return { field: pathOf(frame).join('.'), message: UNSAFE_TEXT_MESSAGE };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const isArray = Array.isArray(v);
    if (!isArray && !isPlainObject(v)) continue;
    const depth = frame.depth + 1;
    if (depth > maxDepth) {
      // Named by its top-level field (a path 33 segments long tells the caller nothing more), or
      // as a whole when the value is an array.
      const top = Array.isArray(value) ? undefined : pathOf(frame)[0];
      return { field: top ?? '', message: `is nested too deeply (at most ${maxDepth} levels)` };
    }
    const children: Frame[] = [];
    if (isArray) {
      for (let i = 0; i < v.length; i++) children.push({ value: v[i], parent: frame, key: String(i), depth });
    } else {
      for (const key of Object.keys(v)) {
        if (hasUnsafeText(key)) return { field: pathOf(frame).join('.'), message: `has a field name that ${UNSAFE_TEXT_MESSAGE}` };
        children.push({ value: (v as Record<string, unknown>)[key], parent: frame, key, depth });
      }
    }
    // Reversed, so the first field is checked (and reported) first.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return undefined;
}
