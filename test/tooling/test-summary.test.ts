import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { formatSummary, summarize, workspaceOf } from '../../scripts/test-summary.mjs';

const root = '/repo';
const file = (rel: string, tests: { status: string; ms: number; name: string }[]) => ({
  name: path.join(root, rel),
  assertionResults: tests.map((t) => ({ status: t.status, duration: t.ms, fullName: t.name, title: t.name })),
});

describe('npm test summary', () => {
  it('names the workspace of a file: packages/<name>, else the first folder', () => {
    expect(workspaceOf('/repo/packages/platform/test/ids.test.ts', root)).toBe('packages/platform');
    expect(workspaceOf('/repo/user-service/test/unit/rules.test.ts', root)).toBe('user-service');
    expect(workspaceOf('/repo/test/e2e/embedded.test.ts', root)).toBe('test');
  });

  it('counts per workspace and lists the slowest tests first', () => {
    const report = {
      testResults: [
        file('user-service/test/a.test.ts', [{ status: 'passed', ms: 5, name: 'a1' }, { status: 'failed', ms: 900, name: 'a2' }]),
        file('user-service/test/b.test.ts', [{ status: 'skipped', ms: 0, name: 'b1' }]),
        file('packages/platform/test/c.test.ts', [{ status: 'passed', ms: 1500, name: 'c1' }]),
      ],
    };
    const summary = summarize(report, root, 2);
    expect(summary.workspaces).toEqual([
      { workspace: 'packages/platform', files: 1, passed: 1, failed: 0, skipped: 0, ms: 1500 },
      { workspace: 'user-service', files: 2, passed: 1, failed: 1, skipped: 1, ms: 905 },
    ]);
    expect(summary.slowest.map((t: { name: string }) => t.name)).toEqual(['c1', 'a2']);
    const text = formatSummary(summary);
    expect(text).toContain('user-service');
    expect(text).toMatch(/1\.5 s {2}packages\/platform\/test\/c\.test\.ts > c1/);
  });
});
