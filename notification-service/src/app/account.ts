import { UnauthorizedError } from '@herald/platform';
import type { AppDeps } from './deps.js';

/** A token of a deleted account: it still verifies until its `exp`, but may store nothing more. */
export class AccountDeletedError extends UnauthorizedError {
  override name = 'AccountDeletedError';
  constructor() {
    super('the account of this access token has been deleted', 'account_deleted');
  }
}

/** Refuses a write for an account whose user.deleted has been handled (one lookup on the tombstone index). */
export async function refuseDeletedAccount(deps: Pick<AppDeps, 'projections'>, userId: string): Promise<void> {
  if ((await deps.projections.unreachable([userId.toLowerCase()])).size > 0) throw new AccountDeletedError();
}
