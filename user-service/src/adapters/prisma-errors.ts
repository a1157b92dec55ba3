import { Prisma } from '../generated/prisma/client.js';
import { EmailTakenError, UserNotFoundError, UsernameTakenError } from '../domain/errors.js';

const isKnown = (err: unknown, code: string): err is Prisma.PrismaClientKnownRequestError =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === code;

/**
 * Turns a unique violation on users into the matching 409. With driver adapters Prisma reports
 * the violated index (users_username_key_key / users_email_key_key) inside `meta`
 * (driverAdapterError.cause.constraint.index today; `target` in older versions), so look for the
 * column anywhere in meta. Never in err.message: it quotes the calling source code.
 */
export function mapUserWriteError(err: unknown): unknown {
  if (isKnown(err, 'P2002')) {
    const meta = JSON.stringify(err.meta ?? {});
    if (/email_key|emailKey/.test(meta)) return new EmailTakenError();
    if (/username_key|usernameKey/.test(meta)) return new UsernameTakenError();
  }
  if (isKnown(err, 'P2025')) return new UserNotFoundError();
  return err;
}

/** A follow edge pointing at a user that vanished between the check and the insert. */
export function mapFollowWriteError(err: unknown): unknown {
  return isKnown(err, 'P2003') ? new UserNotFoundError() : err;
}
