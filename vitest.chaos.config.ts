import { defineConfig } from 'vitest/config';

// The chaos suite only (test/chaos/): `npm run test:chaos` runs it through scripts/chaos.mjs, which
// adds the hard time limit and the cleanup. Not part of `npm test` (vitest.config.ts does not
// include test/chaos/): it takes minutes and loads the whole machine.
const conditions = ['development'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    name: 'chaos',
    root: 'test',
    include: ['chaos/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // One long-lived stack; a retry would only blur the figures.
    retry: 0,
  },
});
