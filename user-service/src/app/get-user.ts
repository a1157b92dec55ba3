import { UserNotFoundError } from '../domain/errors.js';
import type { User } from '../domain/user.js';
import type { UseCaseDeps } from './deps.js';

/** Used for both `GET /users/:id` and `GET /users/me` (the caller picks the view). */
export async function getUser(deps: Pick<UseCaseDeps, 'users'>, id: string): Promise<User> {
  const user = await deps.users.findById(id);
  if (!user) throw new UserNotFoundError();
  return user;
}
