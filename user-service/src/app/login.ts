import type { PasswordHasher } from '../domain/ports.js';
import type { User } from '../domain/user.js';
import { InvalidCredentialsError, LoginLockedError } from '../domain/errors.js';
import { lockAfter, loginKey } from '../domain/login-backoff.js';
import type { UseCaseDeps } from './deps.js';
import { startSession, type SessionTokens } from './sessions.js';

export interface LoginInput {
  /** A username or an email address. */
  login: string;
  password: string;
}

// An unknown login still pays for one password check against this hash, so response time does
// not tell an attacker which accounts exist.
const dummyHashes = new WeakMap<PasswordHasher, Promise<string>>();
function dummyHash(hasher: PasswordHasher): Promise<string> {
  let hash = dummyHashes.get(hasher);
  if (!hash) {
    hash = hasher.hash('not a real password, only burns time');
    dummyHashes.set(hasher, hash);
  }
  return hash;
}

export async function loginUser(deps: UseCaseDeps, input: LoginInput, client: { userAgent?: string } = {}): Promise<{ user: User } & SessionTokens> {
  const login = input.login.trim();
  const key = loginKey(login);
  const now = deps.clock.now();
  const locked = await deps.loginFailures.lockedUntil(key);
  if (locked && locked > now) throw new LoginLockedError(Math.ceil((locked.getTime() - now.getTime()) / 1000));

  const user = login.includes('@') ? await deps.users.findByEmail(login) : await deps.users.findByUsername(login);
  const valid = await deps.hasher.verify(input.password, user?.passwordHash ?? (await dummyHash(deps.hasher)));
  if (!user || !valid) {
    await deps.loginFailures.recordFailure(key, now, lockAfter);
    throw new InvalidCredentialsError();
  }
  await deps.loginFailures.clear(key);

  // Hash parameters only ever go up; the one moment we hold the plain password is now.
  if (deps.hasher.needsRehash(user.passwordHash)) {
    await deps.users.updatePasswordHash(user.id, await deps.hasher.hash(input.password));
  }
  return { user, ...(await startSession(deps, user, client.userAgent)) };
}
