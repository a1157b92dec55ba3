import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { OUTBOX_TABLE_SQL } from '@herald/platform';
import { repoRoot } from '../support/processes.js';

// Migrations are static files (so `prisma migrate deploy` can run them too), which means each
// producing service carries a copy of the outbox DDL. This keeps every copy identical to the one
// the relay is written against.
describe('outbox table in every service migration', () => {
  for (const service of ['user-service', 'post-service', 'notification-service']) {
    it(`${service}'s first migration creates the outbox exactly as the relay expects`, () => {
      const dir = path.join(repoRoot, service, 'prisma', 'migrations');
      const first = readdirSync(dir).filter((d) => /^\d{14}_/.test(d)).sort()[0]!;
      const sql = readFileSync(path.join(dir, first, 'migration.sql'), 'utf8');
      expect(sql).toContain(OUTBOX_TABLE_SQL.trim());
    });
  }
});
