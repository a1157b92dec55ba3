// `npm run migrate`: applies every service's migrations to DATABASE_URL without starting anything.
// Each service owns one schema; the names can be overridden like the services' own DATABASE_SCHEMA.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, createPgPool, env, loadConfig } from '@herald/platform';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = loadConfig({
  databaseUrl: env.url('DATABASE_URL', ['postgres', 'postgresql']),
  users: env.string('USER_SERVICE_SCHEMA', 'users'),
  posts: env.string('POST_SERVICE_SCHEMA', 'posts'),
  notifications: env.string('NOTIFICATION_SERVICE_SCHEMA', 'notifications'),
});
const pool = createPgPool(config.databaseUrl, { max: 1, applicationName: 'herald-migrate' });
try {
  for (const [service, schema] of [['user-service', config.users], ['post-service', config.posts], ['notification-service', config.notifications]] as const) {
    const applied = await applyMigrations({ pool, schema, migrationsDir: path.join(root, service, 'prisma', 'migrations') });
    console.log(`${service} (schema ${schema}): ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  }
} finally {
  await pool.end();
}
