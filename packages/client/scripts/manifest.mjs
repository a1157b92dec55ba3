// `npm pack` / `npm publish` of @herald/client: the published manifest must not send anyone to
// ./src. Inside this repository the `development` export condition resolves the package to its
// TypeScript sources (vitest, tsx, tsc's customConditions); bundlers also set `development` in
// dev builds (Vite, webpack), and src is not shipped. `strip` (prepack) removes the condition and
// keeps the original next to it; `restore` (postpack) puts the original back.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
const kept = `${manifest}.orig`;

function withoutDevelopment(exports) {
  if (typeof exports !== 'object' || exports === null) return exports;
  return Object.fromEntries(Object.entries(exports).filter(([key]) => key !== 'development').map(([key, value]) => [key, withoutDevelopment(value)]));
}

const command = process.argv[2];
if (command === 'strip') {
  if (existsSync(kept)) throw new Error(`${kept} exists: a previous pack did not finish; restore it first`);
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(kept, text);
  const pkg = JSON.parse(text);
  pkg.exports = withoutDevelopment(pkg.exports);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (command === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  throw new Error('usage: node scripts/manifest.mjs strip|restore');
}
