import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Imported by a computed URL, not by name: a static import would pull the repository's script into
// `tsc -p web-demo`, whose checkJs is for the demo's own JavaScript (scripts/ is not part of it).
const buildScript = new URL('../../scripts/build-web-sdk.mjs', import.meta.url).href;
const { bundlePath, bundleText }: { bundlePath: string; bundleText: () => Promise<string> } = await import(buildScript);

// The web demo loads @herald/client from a committed bundle (scripts/build-web-sdk.mjs explains why);
// this keeps that copy identical to what packages/client/src builds today.
describe('web-demo/public/vendor/herald-client.js', () => {
  it('is the bundle of packages/client/src as it is now (else: npm run build:web-sdk)', async () => {
    const built: string = await bundleText();
    const committed = readFileSync(bundlePath, 'utf8');
    expect(committed === built, 'web-demo/public/vendor/herald-client.js is out of date: run npm run build:web-sdk').toBe(true);
  });

  it('exports what the demo imports from it', async () => {
    const sdk = await import('../public/vendor/herald-client.js');
    expect(typeof sdk.HeraldClient).toBe('function');
    expect(typeof sdk.compareIds).toBe('function');
    expect(typeof sdk.replacedIdsOf).toBe('function');
    expect(sdk.compareIds('a', 'b')).toBeLessThan(0);
  });
});
