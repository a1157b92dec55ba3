import { createEvent } from '@herald/contracts';
import type { AccessClaims } from '@herald/platform';
import { LoginLockedError, UserNotFoundError, WrongPasswordError } from '../domain/errors.js';
import { lockAfter, loginKey } from '../domain/login-backoff.js';
import { PRODUCER, type UseCaseDeps } from './deps.js';

/**
 * The key failed confirmations of one account are counted under. It cannot be a login name anyone
 * types by accident: it has no `@` (so it is no email) and a `:` (so it is no username).
 */
export const deletionGuardKey = (userId: string) => `delete-account:${userId.toLowerCase()}`;

/**
 * Deletes the caller's account (docs/security.md "Data lifecycle"). The password must be given
 * again: an access token alone (stolen, or left on an unlocked laptop) cannot delete anyone.
 * Wrong passwords are counted per account with the login backoff (domain/login-backoff.ts), so a
 * stolen token is no way around the login lockout to guess the password either.
 *
 * One transaction removes the account (its sessions, refresh tokens and follow edges go with it),
 * fixes the counters of the people it followed or was followed by, forgets its login-failure rows,
 * and writes user.deleted to the outbox; every other service erases what it holds on that event.
 */
export async function deleteAccount(deps: UseCaseDeps, claims: AccessClaims, input: { password: string }): Promise<void> {
  const user = await deps.users.findById(claims.userId);
  if (!user) throw new UserNotFoundError();
  const guard = deletionGuardKey(user.id);
  const now = deps.clock.now();
  const locked = await deps.loginFailures.lockedUntil(guard);
  if (locked && locked > now) throw new LoginLockedError(Math.ceil((locked.getTime() - now.getTime()) / 1000));
  if (!(await deps.hasher.verify(input.password, user.passwordHash))) {
    await deps.loginFailures.recordFailure(guard, now, lockAfter);
    throw new WrongPasswordError('password');
  }
  const event = createEvent('user.deleted', { userId: user.id }, { producer: PRODUCER, id: deps.newId(), occurredAt: now });
  const loginKeys = [...new Set([loginKey(user.username), loginKey(user.email), guard])];
  // Gone meanwhile (a second deletion racing this one): the other one wrote the event.
  if (!(await deps.users.deleteAccount(user.id, event, { loginKeys }))) throw new UserNotFoundError();
}
