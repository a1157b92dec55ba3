import { createEvent } from '@herald/contracts';
import type { User } from '../domain/user.js';
import {
  DEFAULT_LOCALE,
  DEFAULT_TIMEZONE,
  parseDisplayName,
  parseEmail,
  parseLocale,
  parsePassword,
  parsePhone,
  parseTimezone,
  parseUsername,
} from '../domain/rules.js';
import { PRODUCER, type UseCaseDeps } from './deps.js';
import { startSession, type SessionTokens } from './sessions.js';

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  displayName?: string;
  phone?: string | null;
  locale?: string;
  timezone?: string;
}

/**
 * Creates the account and its user.registered event in one transaction. Uniqueness is left to
 * the database's unique indexes: a read-then-insert check would let two concurrent sign-ups of
 * the same name both pass.
 */
export async function registerUser(deps: UseCaseDeps, input: RegisterInput, client: { userAgent?: string } = {}): Promise<{ user: User } & SessionTokens> {
  const username = parseUsername(input.username);
  const email = parseEmail(input.email);
  const password = parsePassword(input.password);
  const displayName = input.displayName === undefined ? username : parseDisplayName(input.displayName);
  const phone = input.phone == null ? null : parsePhone(input.phone);
  const locale = input.locale === undefined ? DEFAULT_LOCALE : parseLocale(input.locale);
  const timezone = input.timezone === undefined ? DEFAULT_TIMEZONE : parseTimezone(input.timezone);

  const passwordHash = await deps.hasher.hash(password);
  const id = deps.newId();
  const createdAt = deps.clock.now();
  const event = createEvent(
    'user.registered',
    { userId: id, username, displayName, email, phone, locale, timezone },
    { producer: PRODUCER, id: deps.newId(), occurredAt: createdAt },
  );
  const user = await deps.users.create({ id, username, email, passwordHash, displayName, phone, locale, timezone, createdAt }, event);
  return { user, ...(await startSession(deps, user, client.userAgent)) };
}
