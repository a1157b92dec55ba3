import type { RetentionTask } from '@herald/platform';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DAY_MS = 24 * 3_600_000;

/** How long what user-service keeps outlives its use (README.md "Configuration", docs/operations.md "Retention"). */
export interface UserRetentionSettings {
  /** Sessions revoked, or lapsed (expires_at), more than this long ago go, with their refresh tokens. */
  sessionsDays: number;
  /** Login-failure counters not touched for this long go (a lock lasts at most 15 minutes). */
  loginFailuresHours: number;
}

/**
 * The retention tasks of user-service on PostgreSQL. Each batch claims its rows with
 * `FOR UPDATE SKIP LOCKED`, so several instances running the job at once split the work instead of
 * queueing on each other; refresh tokens go with their session (ON DELETE CASCADE).
 */
export function userRetentionTasks(prisma: PrismaClient, schema: string, settings: UserRetentionSettings): RetentionTask[] {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const sessions = Prisma.raw(`"${schema}"."sessions"`);
  const loginFailures = Prisma.raw(`"${schema}"."login_failures"`);
  return [
    {
      name: 'sessions',
      deleteBatch: (now, limit) => {
        const cutoff = new Date(now.getTime() - settings.sessionsDays * DAY_MS);
        return prisma.$executeRaw`
          DELETE FROM ${sessions} WHERE id IN (
            SELECT id FROM ${sessions} WHERE revoked_at < ${cutoff} OR expires_at < ${cutoff}
            LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
      },
    },
    {
      name: 'login_failures',
      deleteBatch: (now, limit) => {
        const cutoff = new Date(now.getTime() - settings.loginFailuresHours * 3_600_000);
        return prisma.$executeRaw`
          DELETE FROM ${loginFailures} WHERE login_key IN (
            SELECT login_key FROM ${loginFailures} WHERE updated_at < ${cutoff} AND (locked_until IS NULL OR locked_until < ${now})
            LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
      },
    },
  ];
}
