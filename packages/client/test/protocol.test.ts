// The SDK ships its own copy of the protocol's constants (no runtime dependency on
// @herald/contracts, which brings TypeBox): they must be those of @herald/contracts/protocol. The types are
// held to its types at build time (src/contract-check.ts).
import { describe, expect, it } from 'vitest';
import * as contract from '@herald/contracts/protocol';
import * as sdk from '../src/index.js';

describe('the SDK protocol constants', () => {
  it('are those of @herald/contracts/protocol', () => {
    expect(sdk.CLOSE_CODES).toEqual(contract.CLOSE_CODES);
    expect(sdk.CLOSE_ADVICE).toEqual(contract.CLOSE_ADVICE);
    expect(sdk.MAX_READ_IDS).toBe(contract.MAX_READ_IDS);
    expect(sdk.GAP_LOOKBACK_MS).toBe(contract.GAP_LOOKBACK_MS);
    expect(sdk.LIVE_PATH).toBe(contract.LIVE_PATH);
    expect(sdk.BEARER_SUBPROTOCOL).toBe(contract.BEARER_SUBPROTOCOL);
    expect(sdk.BEARER_PREFIX).toBe(contract.BEARER_PREFIX);
  });

  it('are the only runtime things the SDK takes from the protocol: nothing imports TypeBox or Node', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../src/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const imports = [...text.matchAll(/^import\s+(type\s+)?[^'"]*['"]([^'"]+)['"]/gm)].map((m) => ({ typeOnly: Boolean(m[1]), from: m[2]! }));
      for (const { typeOnly, from } of imports) {
        if (typeOnly) continue;
        expect(from, `${file} imports ${from} at runtime`).toMatch(/^\.\//);
      }
    }
  });
});

describe('the WebSocket option', () => {
  it("takes the browser's, the ws package's and a hand-made constructor (checked by tsc -p packages/client/test)", async () => {
    const { default: NodeWebSocket } = await import('ws');
    const { FakeWebSocket } = await import('./fake-websocket.js');
    const options: Array<sdk.HeraldClientOptions['WebSocket']> = [
      (globalThis as { WebSocket?: typeof WebSocket }).WebSocket,
      NodeWebSocket,
      FakeWebSocket,
    ];
    expect(options.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    const asLike = (ws: WebSocket | InstanceType<typeof NodeWebSocket>): sdk.WebSocketLike => ws;
    expect(typeof asLike).toBe('function');
  });
});
