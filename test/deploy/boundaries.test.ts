/**
 * The module boundaries of .dependency-cruiser.cjs (docs/architecture.md "Boundaries") can fail:
 * dependency-cruiser, through its API and with the repository's own configuration, is run on a
 * miniature Herald in fixtures/boundaries where each file marked VIOLATION breaks one rule, and
 * must report exactly those imports, and none of the allowed ones next to them. The repository
 * itself is checked by `npm run check:boundaries`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/boundaries', import.meta.url));

async function cruiseFixture(): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(path.join(ROOT, '.dependency-cruiser.cjs'));
  const tsConfigFile = path.join(ROOT, 'tsconfig.base.json');
  const result = await cruise(
    ['packages', 'user-service', 'post-service', 'test'],
    { ...options, baseDir: FIXTURE, tsConfig: { fileName: tsConfigFile } },
    undefined,
    { tsConfig: extractTSConfig(tsConfigFile) },
  );
  return result.output as ICruiseResult;
}

describe('.dependency-cruiser.cjs', () => {
  it('reports every deliberate violation in the fixture, and nothing else', async () => {
    const result = await cruiseFixture();
    const found = result.summary.violations
      .map((v) => `${v.rule.severity} ${v.rule.name}: ${v.from} -> ${v.to.replace(/^(\.\.\/)+node_modules\/([^/]+).*$/, 'node_modules/$2')}`)
      .sort();

    expect(found).toEqual(
      [
        'error domain-is-pure: user-service/src/domain/user.ts -> user-service/src/adapters/db.ts',
        'error domain-no-io-libraries: user-service/src/domain/user.ts -> fs',
        'error domain-no-io-libraries: user-service/src/domain/user.ts -> node_modules/fastify',
        'error domain-only-pure-platform: user-service/src/domain/errors.ts -> packages/platform/src/index.ts',
        // A cycle is reported once, from one of its modules.
        'error no-circular: user-service/src/app/audit.ts -> user-service/src/app/register.ts',
        'error no-dev-deps-in-production: user-service/src/adapters/db.ts -> node_modules/ws',
        'error no-orphans-in-src: user-service/src/leftover.ts -> user-service/src/leftover.ts',
        'error no-service-to-service: post-service/src/index.ts -> user-service/src/index.ts',
        'error outside-by-package-name: test/entry.ts -> user-service/src/index.ts',
        'error outside-by-package-name: test/internals.ts -> user-service/src/domain/rules.ts',
        'error outside-only-public-entries: test/internals.ts -> user-service/src/domain/rules.ts',
        'error packages-not-to-services: packages/contracts/src/index.ts -> user-service/src/index.ts',
        'warn no-circular-types: user-service/src/http/routes.ts -> user-service/src/http/schemas.ts',
      ].sort(),
    );
    // What `depcruise` turns into its exit code: a violation with severity error fails the check.
    expect(result.summary.error).toBeGreaterThan(0);
  });
});
