// Generates each service's Prisma Client from its schema, offline.
// `prisma generate` only needs the bundled WASM, but the CLI insists on a schema-engine binary
// path existing first; pointing it at any file stops the (unreachable) download.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prismaBin = path.join(root, 'node_modules', '.bin', 'prisma');
if (!existsSync(prismaBin)) process.exit(0);

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
for (const service of ['user-service', 'post-service', 'notification-service']) {
  const schema = path.join(root, service, 'prisma', 'schema.prisma');
  if (!existsSync(schema)) continue;
  execFileSync(prismaBin, ['generate', '--schema', schema], { cwd: path.join(root, service), env, stdio: 'inherit' });
}
