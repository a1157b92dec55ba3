import { InvalidFieldError } from '../domain/errors.js';
import type { ProfilePatch } from '../domain/ports.js';
import { parseDisplayName, parseEmail, parseLocale, parsePhone, parseTimezone } from '../domain/rules.js';
import type { User } from '../domain/user.js';
import type { UseCaseDeps } from './deps.js';

export interface ProfileInput {
  displayName?: string;
  email?: string;
  /** null removes the phone number. */
  phone?: string | null;
  locale?: string;
  timezone?: string;
}

export async function updateProfile(deps: Pick<UseCaseDeps, 'users'>, userId: string, input: ProfileInput): Promise<User> {
  const patch: ProfilePatch = {};
  if (input.displayName !== undefined) patch.displayName = parseDisplayName(input.displayName);
  if (input.email !== undefined) patch.email = parseEmail(input.email);
  if (input.phone !== undefined) patch.phone = input.phone === null ? null : parsePhone(input.phone);
  if (input.locale !== undefined) patch.locale = parseLocale(input.locale);
  if (input.timezone !== undefined) patch.timezone = parseTimezone(input.timezone);
  if (Object.keys(patch).length === 0) {
    throw new InvalidFieldError('body', 'give at least one of displayName, email, phone, locale, timezone');
  }
  return deps.users.update(userId, patch);
}
