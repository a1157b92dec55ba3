import { isCommonPassword } from './common-passwords.js';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { InvalidFieldError } from './errors.js';

/**
 * Account field rules. The HTTP schemas mirror the simple limits so most bad input is refused at
 * the edge; these functions are the source of truth and also normalise what they accept.
 */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  emailMax: 254,
  passwordMin: 8,
  passwordMax: 128,
  displayNameMax: 100,
  phoneMax: 32,
  localeMax: 35,
  timezoneMax: 64,
} as const;

export const USERNAME_PATTERN = '^[A-Za-z0-9_]{3,32}$';
// Deliberately loose: the only real proof of an address is a mail that arrives.
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@.]+$';
export const DEFAULT_LOCALE = 'en';
export const DEFAULT_TIMEZONE = 'UTC';

const chars = (s: string) => [...s].length;
// Control characters (C0, DEL, C1) and the bidi overrides that make names render deceptively.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

export function parseUsername(value: string): string {
  if (!new RegExp(USERNAME_PATTERN).test(value)) {
    throw new InvalidFieldError('username', `must be ${LIMITS.usernameMin}-${LIMITS.usernameMax} characters of letters, digits and _`);
  }
  return value;
}

/** Usernames keep their case for display but are unique, and searched, case-insensitively. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

export function parseEmail(value: string): string {
  const email = value.trim();
  if (email.length > LIMITS.emailMax || !new RegExp(EMAIL_PATTERN, 'u').test(email)) {
    throw new InvalidFieldError('email', 'must be an email address of at most 254 characters');
  }
  return email;
}

export function emailKey(email: string): string {
  return email.toLowerCase();
}

export function parsePassword(value: string, field = 'password'): string {
  const n = chars(value);
  if (n < LIMITS.passwordMin || n > LIMITS.passwordMax) {
    throw new InvalidFieldError(field, `must be ${LIMITS.passwordMin}-${LIMITS.passwordMax} characters`);
  }
  if (isCommonPassword(value)) {
    throw new InvalidFieldError(field, 'is one of the most common passwords, the first any attacker tries: choose another');
  }
  return value;
}

export function parseDisplayName(value: string): string {
  const name = value.trim();
  if (name.length === 0 || chars(name) > LIMITS.displayNameMax) {
    throw new InvalidFieldError('displayName', `must be 1-${LIMITS.displayNameMax} characters`);
  }
  if (UNPRINTABLE.test(name)) throw new InvalidFieldError('displayName', 'must not contain control characters');
  return name;
}

// E.164 as written: `+`, a country code that does not start with 0, at most 15 digits in all, nothing else.
const E164 = /^\+[1-9]\d{1,14}$/;
const PHONE_HINT = 'must be a valid phone number in E.164 form, such as +14155550123';

/**
 * A phone number for SMS: only a number written in E.164 (`+14155550123`: no spaces, dashes or
 * national prefix) that libphonenumber-js, with its full metadata, says exists. Surrounding
 * whitespace is dropped; the result is the E.164 form the library gives back, so it is stored and
 * compared in one spelling.
 */
export function parsePhone(value: string): string {
  const written = value.trim();
  if (!E164.test(written)) throw new InvalidFieldError('phone', PHONE_HINT);
  let number;
  try {
    number = parsePhoneNumberWithError(written);
  } catch {
    throw new InvalidFieldError('phone', PHONE_HINT);
  }
  if (!number.isValid() || number.number !== written) throw new InvalidFieldError('phone', PHONE_HINT);
  return number.number;
}

/** BCP-47-ish, canonicalised by Intl ('en-us' → 'en-US'). */
export function parseLocale(value: string): string {
  if (value.length > LIMITS.localeMax || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(value)) {
    throw new InvalidFieldError('locale', 'must be a language tag such as en or pt-BR');
  }
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    if (canonical) return canonical;
  } catch {
    // fall through to the error below
  }
  throw new InvalidFieldError('locale', 'must be a language tag such as en or pt-BR');
}

let zoneSpelling: Map<string, string> | undefined;
function knownZoneSpelling(value: string): string | undefined {
  zoneSpelling ??= new Map([...Intl.supportedValuesOf('timeZone'), 'UTC'].map((z) => [z.toLowerCase(), z]));
  return zoneSpelling.get(value.toLowerCase());
}

/**
 * A real IANA zone, as Intl knows it. Kept as the user wrote it (aliases such as Asia/Calcutta
 * stay), only its case is fixed when the name is a canonical one ('europe/paris' → 'Europe/Paris').
 */
export function parseTimezone(value: string): string {
  // Intl also accepts offsets like '+05:00' on newer engines; docs/api.md wants zone names.
  if (value.length <= LIMITS.timezoneMax && /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return knownZoneSpelling(value) ?? value;
    } catch {
      // RangeError: not a zone Intl knows
    }
  }
  throw new InvalidFieldError('timezone', 'must be an IANA time zone such as Europe/Paris or UTC');
}
