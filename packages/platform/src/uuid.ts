/**
 * The one uuid format of Herald: every id (users, posts, notifications, sessions) is a uuid column,
 * written in the 8-4-4-4-12 hex form. The pattern is strict on purpose: JSON Schema's
 * `format: uuid` also admits `urn:uuid:` forms that PostgreSQL's uuid type refuses. Ids are
 * compared in lower case (uuidv7 text sorts by time only then), so `toUuid` folds the case.
 * Pure (no imports), so domain code may use it as `@herald/platform/uuid`.
 */
declare const uuidBrand: unique symbol;

/** A string known to be a lower-case uuid: made by `toUuid` or narrowed by `isUuid`. */
export type Uuid = string & { readonly [uuidBrand]: true };

/** For JSON Schema `pattern` (ajv compiles it as is); either case is accepted on the wire. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ANY_CASE = new RegExp(UUID_PATTERN);

/** Whether `value` is a uuid already in the canonical lower case. */
export function isUuid(value: unknown): value is Uuid {
  return typeof value === 'string' && LOWER.test(value);
}

/** `value` as a canonical uuid (either case accepted), or undefined when it is not one. */
export function toUuid(value: unknown): Uuid | undefined {
  return typeof value === 'string' && ANY_CASE.test(value) ? (value.toLowerCase() as Uuid) : undefined;
}
