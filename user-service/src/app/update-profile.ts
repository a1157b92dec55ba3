import { createEvent, type DirectMessagePolicy, type UserChanges } from '@herald/contracts';
import { DIRECT_MESSAGE_POLICIES } from '../domain/blocks.js';
import { InvalidFieldError } from '../domain/errors.js';
import type { ProfilePatch, ProfileWrite } from '../domain/ports.js';
import { emailKey, parseDisplayName, parseEmail, parseLocale, parsePhone, parseTimezone } from '../domain/rules.js';
import type { User } from '../domain/user.js';
import { PRODUCER, type UseCaseDeps } from './deps.js';

export interface ProfileInput {
  displayName?: string;
  email?: string;
  /** null removes the phone number. */
  phone?: string | null;
  locale?: string;
  timezone?: string;
  /** Whom direct messages are accepted from: everyone, or only people this user follows. */
  directMessages?: DirectMessagePolicy;
}

const FIELDS = ['displayName', 'email', 'phone', 'locale', 'timezone', 'directMessages'] as const;

/**
 * Changes the given profile fields and, when at least one really changes, records `user.updated`
 * with exactly those fields in the same transaction (nothing changes, nothing is emitted). A new
 * email or phone number clears its bounce flag: the bounce was about the old address.
 */
export async function updateProfile(deps: Pick<UseCaseDeps, 'users' | 'clock' | 'newId'>, userId: string, input: ProfileInput): Promise<User> {
  const patch: ProfilePatch = {};
  if (input.displayName !== undefined) patch.displayName = parseDisplayName(input.displayName);
  if (input.email !== undefined) patch.email = parseEmail(input.email);
  if (input.phone !== undefined) patch.phone = input.phone === null ? null : parsePhone(input.phone);
  if (input.locale !== undefined) patch.locale = parseLocale(input.locale);
  if (input.timezone !== undefined) patch.timezone = parseTimezone(input.timezone);
  if (input.directMessages !== undefined) patch.directMessages = parseDirectMessages(input.directMessages);
  if (Object.keys(patch).length === 0) {
    throw new InvalidFieldError('body', `give at least one of ${FIELDS.join(', ')}`);
  }
  return deps.users.updateProfile(userId, (current) => planProfileWrite(deps, current, patch));
}

/** The schema already allows only these; checked again for callers that are not the route. */
function parseDirectMessages(value: string): DirectMessagePolicy {
  const policy = DIRECT_MESSAGE_POLICIES.find((p) => p === value);
  if (!policy) throw new InvalidFieldError('directMessages', `must be one of ${DIRECT_MESSAGE_POLICIES.join(', ')}`);
  return policy;
}

/** Decided on the locked row, so "what changed" and the event's time are those of the commit order. */
function planProfileWrite(deps: Pick<UseCaseDeps, 'clock' | 'newId'>, current: User, patch: ProfilePatch): ProfileWrite | null {
  const changes: ProfilePatch = {};
  for (const field of FIELDS) {
    const value = patch[field];
    if (value !== undefined && value !== current[field]) Object.assign(changes, { [field]: value });
  }
  if (Object.keys(changes).length === 0) return null;
  // Strictly after the previous change even if this instance's clock is behind the one that wrote it.
  const now = deps.clock.now();
  const occurredAt = now > current.updatedAt ? now : new Date(current.updatedAt.getTime() + 1);
  const event = createEvent('user.updated', { userId: current.id, changes: changes as UserChanges }, { producer: PRODUCER, id: deps.newId(), occurredAt });
  return {
    set: changes,
    clearEmailBounce: changes.email !== undefined && emailKey(changes.email) !== emailKey(current.email),
    clearPhoneBounce: changes.phone !== undefined,
    updatedAt: occurredAt,
    event,
  };
}
