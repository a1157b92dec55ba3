import { describe, expect, it } from 'vitest';
import { offersOnlyTokenSubprotocols, subprotocolsOf, tokenForWebSocket } from '../../src/token-extraction.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

// The gateway refuses an offer that would force the upstream to echo the token in its 101.
describe('WebSocket subprotocol offers', () => {
  it('lists the offered entries however the header was split', () => {
    expect(subprotocolsOf(`bearer, bearer.${JWT}`)).toEqual(['bearer', `bearer.${JWT}`]);
    expect(subprotocolsOf(['bearer', ` bearer.${JWT} `])).toEqual(['bearer', `bearer.${JWT}`]);
    expect(subprotocolsOf(undefined)).toEqual([]);
  });

  it.each([
    [`bearer.${JWT}`, true],
    [`BEARER.${JWT}`, true],
    [`bearer, bearer.${JWT}`, false],
    [`bearer.${JWT}, bearer`, false],
    [`herald.v1, bearer.${JWT}`, false],
    ['bearer', false],
    [undefined, false],
  ])('%s offers only the token: %s', (header, only) => {
    expect(offersOnlyTokenSubprotocols(header)).toBe(only);
  });

  it("reads the token from ['bearer', 'bearer.<jwt>'], the pair browsers send", () => {
    expect(tokenForWebSocket('/ws', `bearer, bearer.${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenForWebSocket('/ws', 'bearer')).toMatchObject({ ok: false, code: 'missing_token' });
  });
});
