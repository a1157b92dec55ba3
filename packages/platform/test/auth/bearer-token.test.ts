import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_LENGTH,
  chooseSubprotocol,
  offersOnlyTokenSubprotocols,
  subprotocolsOf,
  tokenForWebSocket,
  tokenFromAuthorization,
  tokenFromQuery,
  tokenFromSubprotocols,
} from '../../src/bearer-token.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('token from the Authorization header', () => {
  it('takes the token of "Bearer <jwt>", scheme in any case', () => {
    expect(tokenFromAuthorization(`Bearer ${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenFromAuthorization(`bearer ${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenFromAuthorization(`BEARER  ${JWT} `)).toEqual({ ok: true, token: JWT });
  });

  it.each([[undefined], [''], ['   ']])('%j is a missing token', (header) => {
    expect(tokenFromAuthorization(header)).toMatchObject({ ok: false, code: 'missing_token' });
  });

  it.each([
    ['Basic dXNlcjpwYXNz'],
    ['Bearer'],
    ['Bearer '],
    [JWT],
    [`Token ${JWT}`],
    [`Bearer ${JWT} extra`],
    ['Bearer not-a-jwt'],
    ['Bearer a.b'],
    ['Bearer a.b.c.d'],
    ['Bearer a.b.c;drop'],
    [`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}.b.c`],
    [[`Bearer ${JWT}`, `Bearer ${JWT}`]],
  ])('%j is an invalid token', (header) => {
    expect(tokenFromAuthorization(header)).toMatchObject({ ok: false, code: 'invalid_token' });
  });
});

describe('token for a WebSocket', () => {
  it('reads ?token= from the request URL', () => {
    expect(tokenFromQuery(`/ws?token=${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenFromQuery(`/ws?resume=1&token=${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenFromQuery('/ws')).toBeUndefined();
    expect(tokenFromQuery('/ws?tokens=x')).toBeUndefined();
    expect(tokenFromQuery('/ws?token=')).toMatchObject({ ok: false, code: 'missing_token' });
    expect(tokenFromQuery(`/ws?token=${JWT}&token=${JWT}`)).toMatchObject({ ok: false, code: 'invalid_token' });
    expect(tokenFromQuery('/ws?token=%3Cscript%3E')).toMatchObject({ ok: false, code: 'invalid_token' });
  });

  it('reads the bearer.<jwt> subprotocol among others', () => {
    expect(tokenFromSubprotocols(`bearer.${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenFromSubprotocols(`herald.v1, bearer.${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenFromSubprotocols(['herald.v1', `bearer.${JWT}`])).toEqual({ ok: true, token: JWT });
    expect(tokenFromSubprotocols('herald.v1')).toBeUndefined();
    expect(tokenFromSubprotocols(undefined)).toBeUndefined();
    expect(tokenFromSubprotocols('bearer.')).toMatchObject({ ok: false, code: 'invalid_token' });
    expect(tokenFromSubprotocols(`bearer.${JWT}, bearer.${JWT}`)).toMatchObject({ ok: false, code: 'invalid_token' });
  });

  it('prefers the query parameter and reports a missing token when neither is there', () => {
    expect(tokenForWebSocket(`/ws?token=${JWT}`, 'bearer.x.y.z')).toEqual({ ok: true, token: JWT });
    expect(tokenForWebSocket('/ws', `bearer.${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenForWebSocket('/ws', 'herald.v1')).toMatchObject({ ok: false, code: 'missing_token' });
  });

  it.each([
    ['two query tokens', `/ws?token=${JWT}&token=${JWT}`, undefined, 'invalid_token'],
    ['two bearer subprotocols', '/ws', `bearer.${JWT}, bearer.${JWT}`, 'invalid_token'],
    ['a huge token', `/ws?token=${'a'.repeat(5000)}.b.c`, undefined, 'invalid_token'],
  ])('refuses %s', (_name, url, protocols, code) => {
    expect(tokenForWebSocket(url, protocols)).toMatchObject({ ok: false, code });
  });

  it("reads the token from ['bearer', 'bearer.<jwt>'], the pair browsers send", () => {
    expect(tokenForWebSocket('/ws', `bearer, bearer.${JWT}`)).toEqual({ ok: true, token: JWT });
    expect(tokenForWebSocket('/ws', 'bearer')).toMatchObject({ ok: false, code: 'missing_token' });
  });
});

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

  it('accepts a real protocol when offered, else the bearer one, else none', () => {
    expect(chooseSubprotocol(new Set([`bearer.${JWT}`, 'herald.v1']))).toBe('herald.v1');
    expect(chooseSubprotocol(new Set([`bearer.${JWT}`, 'bearer']))).toBe('bearer');
    expect(chooseSubprotocol(new Set([`bearer.${JWT}`]))).toBe(`bearer.${JWT}`);
    expect(chooseSubprotocol(new Set())).toBe(false);
  });
});
