/**
 * Typed configuration from the environment. Reading is split from validating so every bad or
 * missing variable is reported at once, by name, before anything starts.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

type Env = Record<string, string | undefined>;
/** Reads one setting from the environment: its value, or the problem, naming the variable. */
export type Reader<T> = (env: Env) => { ok: true; value: T } | { ok: false; problem: string };

function reader<T>(name: string, fallback: T | undefined, parse: (raw: string) => T | undefined, expected: string): Reader<T> {
  return (env) => {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (fallback !== undefined) return { ok: true, value: fallback };
      return { ok: false, problem: `${name} is required (${expected})` };
    }
    const value = parse(raw);
    if (value === undefined) return { ok: false, problem: `${name}=${JSON.stringify(raw)} is not ${expected}` };
    return { ok: true, value };
  };
}

function optional<T>(name: string, parse: (raw: string) => T | undefined, expected: string): Reader<T | undefined> {
  return (env) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return { ok: true, value: undefined };
    const value = parse(raw);
    if (value === undefined) return { ok: false, problem: `${name}=${JSON.stringify(raw)} is not ${expected}` };
    return { ok: true, value };
  };
}

const asInt = (min: number, max: number) => (raw: string) => {
  if (!/^-?\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
};
const asUrl = (protocols: string[]) => (raw: string) => {
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol.replace(/:$/, '')) ? raw : undefined;
  } catch {
    return undefined;
  }
};
const asBool = (raw: string) => (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase()) ? true : ['0', 'false', 'no', 'off'].includes(raw.toLowerCase()) ? false : undefined);

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const env = {
  string: (name: string, fallback?: string) => reader(name, fallback, (raw) => raw, 'a non-empty string'),
  optionalString: (name: string) => optional(name, (raw) => raw, 'a string'),
  int: (name: string, fallback: number | undefined, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    reader(name, fallback, asInt(min, max), `an integer between ${min} and ${max}`),
  port: (name: string, fallback?: number) => reader(name, fallback, asInt(0, 65535), 'a port number (0-65535)'),
  bool: (name: string, fallback: boolean) => reader(name, fallback, asBool, 'a boolean (true/false)'),
  optionalUrl: (name: string, protocols: string[]) => optional(name, asUrl(protocols), `a ${protocols.join('/')} URL`),
  url: (name: string, protocols: string[], fallback?: string) => reader(name, fallback, asUrl(protocols), `a ${protocols.join('/')} URL`),
  oneOf: <T extends string>(name: string, values: readonly T[], fallback: T) =>
    reader(name, fallback, (raw) => (values.includes(raw as T) ? (raw as T) : undefined), `one of ${values.join(', ')}`),
  /** A string matching `pattern` (anchored by the caller); `expected` says what that means, for the message. */
  matching: (name: string, fallback: string, pattern: RegExp, expected: string) =>
    reader(name, fallback, (raw) => (pattern.test(raw) ? raw : undefined), expected),
  /**
   * A PostgreSQL schema name. It ends up in SQL identifiers and in the outbox NOTIFY channel, so a
   * plain lowercase identifier only.
   */
  schemaName: (name: string, fallback: string) =>
    reader(name, fallback, (raw) => (SCHEMA_NAME.test(raw) ? raw : undefined), 'a lowercase identifier ([a-z_][a-z0-9_]*)'),
};

/**
 * `read`, except that an unset (or empty) variable is a problem: for settings optional in one
 * runtime (embedded mode builds its own database) but required in another (the standalone service).
 */
export function required<T>(name: string, read: Reader<T>, expected?: string): Reader<T> {
  const problem = expected ? `${name} is required (${expected})` : `${name} is required`;
  return (source) => (source[name] ? read(source) : { ok: false, problem });
}

export type ConfigSpec = Record<string, Reader<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends Reader<infer T> ? T : never };

/** Reads every variable of `spec` from `source`; throws one ConfigError listing all problems. */
export function loadConfig<S extends ConfigSpec>(spec: S, source: Env = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, read] of Object.entries(spec)) {
    const result = read(source);
    if (result.ok) out[key] = result.value;
    else problems.push(result.problem);
  }
  if (problems.length) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}
