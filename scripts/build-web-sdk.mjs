// The web demo's copy of @herald/client: packages/client/src bundled into one ES module at
// web-demo/public/vendor/herald-client.js, which the gateway serves with the rest of the demo.
//
// Why a committed bundle rather than serving packages/client/dist: the demo is static files with no
// build step, and a fresh clone has no dist until `tsc -b` has run. web-demo/test/sdk-bundle.test.ts
// rebuilds the bundle in memory and fails when the committed copy differs, so it cannot go stale.
//
//   node scripts/build-web-sdk.mjs          write the bundle (npm run build:web-sdk)
//   node scripts/build-web-sdk.mjs --check  exit 1 when the committed bundle is out of date
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bundlePath = path.join(root, 'web-demo', 'public', 'vendor', 'herald-client.js');

// @ts-nocheck: the bundle is generated; its TypeScript sources are type-checked where they live.
const BANNER = `// @ts-nocheck
// @herald/client for the web demo, bundled from packages/client/src by scripts/build-web-sdk.mjs.
// Do not edit: run \`npm run build:web-sdk\` (a test fails when this copy is out of date).`;

/** The bundle's text, built in memory. */
export async function bundleText() {
  const result = await build({
    entryPoints: [path.join(root, 'packages', 'client', 'src', 'index.ts')],
    bundle: true,
    format: 'esm',
    // What the demo's browsers run: evergreen ones (optional chaining, class fields are native).
    target: 'es2022',
    platform: 'neutral',
    write: false,
    legalComments: 'none',
    banner: { js: BANNER },
    logLevel: 'silent',
  });
  const [out] = result.outputFiles ?? [];
  if (!out) throw new Error('esbuild wrote no bundle');
  return out.text;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await bundleText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(bundlePath, 'utf8');
    } catch {
      /* missing counts as out of date */
    }
    if (current !== text) {
      console.error(`${path.relative(root, bundlePath)} is out of date: run npm run build:web-sdk`);
      process.exit(1);
    }
  } else {
    mkdirSync(path.dirname(bundlePath), { recursive: true });
    writeFileSync(bundlePath, text);
    console.log(`wrote ${path.relative(root, bundlePath)} (${text.length} bytes)`);
  }
}
