import { defineConfig } from 'vitest/config';

// One `vitest run` over every workspace; packages resolve to their TypeScript sources through the
// `development` export condition, so there is no build step before testing.
const shared = { resolve: { conditions: ['development'] } };

export default defineConfig({
  ...shared,
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      'packages/contracts',
      'packages/platform',
      'packages/client',
      'user-service',
      'post-service',
      'notification-service',
      'gateway',
      'web-demo',
      'test',
    ].map((dir) => ({
      ...shared,
      ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
      test: { name: dir.split('/').pop(), root: dir, include: dir === 'test' ? ['e2e/**/*.test.ts', 'browser/**/*.test.ts', 'deploy/**/*.test.ts', 'fuzz/**/*.test.ts', 'tooling/**/*.test.ts'] : ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
    })),
  },
});
