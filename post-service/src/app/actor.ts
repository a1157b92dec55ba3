import { AppError, UnauthorizedError } from '@herald/platform';
import type { Actor, UserSummary } from '../domain/model.js';
import { UsernameTakenError, type ContentTransaction } from '../domain/ports.js';

/** A token of a deleted account: it still verifies until its `exp`, but may write nothing. */
export class AccountDeletedError extends UnauthorizedError {
  override name = 'AccountDeletedError';
  constructor() {
    super('the account of this access token has been deleted', 'account_deleted');
  }
}

/**
 * A caller the projection cannot record yet: another account still holds their username there (a
 * rename whose event is in flight). It passes once that event lands: 503, try again shortly.
 */
export class AccountNotReadyError extends AppError {
  override name = 'AccountNotReadyError';
  constructor() {
    super(503, 'account_not_ready', 'your account is still being set up here; try again in a few seconds', { retryAfterSeconds: 2 });
  }
}

/**
 * The caller as a user summary, from the projection. A caller the projection has not seen yet
 * (their user.registered event is still in flight) is recorded from the verified token, with the
 * username as display name; the event, when it lands, fills in the real display name. That keeps
 * writes working inside the consistency window and every author/liker row backed by a user row.
 * A caller whose account was deleted (a tombstone) is refused: 401 account_deleted. A caller whose
 * username another projected account still holds is asked to retry: 503 account_not_ready.
 */
export async function resolveActor(tx: ContentTransaction, actor: Actor): Promise<UserSummary> {
  const known = await tx.findUser(actor.userId);
  if (known) return known;
  if (!/^[A-Za-z0-9_]{1,32}$/.test(actor.username)) throw new UnauthorizedError('access token carries no valid username', 'invalid_token');
  const fallback = { id: actor.userId, username: actor.username, displayName: actor.username };
  let recorded: boolean;
  try {
    recorded = await tx.ensureUser(fallback);
  } catch (err) {
    if (err instanceof UsernameTakenError) throw new AccountNotReadyError();
    throw err;
  }
  if (!recorded) throw new AccountDeletedError();
  return fallback;
}
