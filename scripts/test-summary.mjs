// What `npm test` prints after vitest: the tests per workspace and the slowest tests, read from
// vitest's JSON report, so a reader of a CI log sees where the time and the tests are.
import path from 'node:path';

/** The workspace a test file belongs to: `packages/<name>`, else its first folder (`test` for the root suites). */
export function workspaceOf(file, root) {
  const parts = path.relative(root, file).split(path.sep);
  return parts[0] === 'packages' && parts.length > 2 ? `packages/${parts[1]}` : parts[0];
}

/**
 * Per workspace: files, passed, failed, skipped and the summed duration of its tests; and the
 * `slowest` tests overall (file relative to root, full name, ms).
 */
export function summarize(report, root, slowest = 15) {
  const byWorkspace = new Map();
  const tests = [];
  for (const file of report.testResults ?? []) {
    const name = workspaceOf(file.name, root);
    const row = byWorkspace.get(name) ?? { workspace: name, files: 0, passed: 0, failed: 0, skipped: 0, ms: 0 };
    row.files += 1;
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'passed') row.passed += 1;
      else if (t.status === 'failed') row.failed += 1;
      else row.skipped += 1;
      row.ms += t.duration ?? 0;
      tests.push({ file: path.relative(root, file.name), name: t.fullName ?? t.title, ms: t.duration ?? 0 });
    }
    byWorkspace.set(name, row);
  }
  const workspaces = [...byWorkspace.values()].sort((a, b) => a.workspace.localeCompare(b.workspace));
  tests.sort((a, b) => b.ms - a.ms);
  return { workspaces, slowest: tests.slice(0, slowest) };
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** The two tables as text. */
export function formatSummary({ workspaces, slowest }) {
  const lines = ['', 'Tests per workspace:', '  workspace              files  passed  failed  skipped  test time'];
  for (const w of workspaces) {
    lines.push(`  ${w.workspace.padEnd(22)} ${String(w.files).padStart(5)}  ${String(w.passed).padStart(6)}  ${String(w.failed).padStart(6)}  ${String(w.skipped).padStart(7)}  ${seconds(w.ms).padStart(9)}`);
  }
  lines.push('', `The ${slowest.length} slowest tests:`);
  for (const t of slowest) lines.push(`  ${seconds(t.ms).padStart(8)}  ${t.file} > ${t.name}`);
  return lines.join('\n');
}
