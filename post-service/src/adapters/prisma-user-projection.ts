import type { UserSummary } from '../domain/model.js';
import { UsernameTakenError, type UserProjection } from '../domain/ports.js';
import { Prisma } from '../generated/prisma/client.js';
import type { PostPrisma } from './prisma-client.js';

/** One statement (INSERT .. ON CONFLICT (id) DO UPDATE), so concurrent redeliveries cannot race. */
export class PrismaUserProjection implements UserProjection {
  constructor(private readonly prisma: PostPrisma) {}

  async upsert(user: UserSummary): Promise<void> {
    try {
      await this.prisma.user.upsert({
        where: { id: user.id },
        create: { ...user, usernameLower: user.username.toLowerCase() },
        update: { displayName: user.displayName, updatedAt: new Date() },
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new UsernameTakenError(user.username);
      throw err;
    }
  }
}
