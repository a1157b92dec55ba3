/**
 * Junk access tokens for the fuzz suites: random text (controls, NUL, lone surrogates), random
 * JWT-shaped strings, `alg: none`, tokens signed with a key of the attacker's own, HS256 keyed with
 * the server's public key (algorithm confusion), a real token with its signature or claims
 * tampered, truncated or reshaped, and over-long ones. None of them may ever be accepted.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { nastyString } from './generators.js';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export interface JunkToken {
  junk: string;
  /** The recipe, for counterexamples. */
  how: string;
}

/** `realToken`: a token the server issued (its claims are reused); `publicPem`: the verifying key. */
export function junkTokens(realToken: string, publicPem: string): fc.Arbitrary<JunkToken> {
  const [h, p, s] = realToken.split('.') as [string, string, string];
  const realClaims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  const es256 = (header: object, claims: object) => {
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), { key: attacker.privateKey, dsaEncoding: 'ieee-p1363' }))}`;
  };
  const hs256WithPublicKey = (claims: object) => {
    const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
  };
  const b64seg = fc.string({ unit: fc.constantFrom(...B64URL), minLength: 1, maxLength: 60 });
  const claimTweaks = fc.constantFrom<[string, (c: Record<string, unknown>) => Record<string, unknown>]>(
    ['same claims', (c) => c],
    ['sub of someone else', (c) => ({ ...c, sub: '00000000-0000-7000-8000-000000000000' })],
    ['admin scope', (c) => ({ ...c, scope: 'admin notifications:send' })],
    ['no exp', ({ exp: _exp, ...c }) => c],
    ['exp in 2100', (c) => ({ ...c, exp: 4102444800 })],
    ['other audience', (c) => ({ ...c, aud: 'other' })],
  );
  return fc.oneof(
    nastyString(60).map((junk) => ({ junk, how: 'random text' })),
    fc.string({ maxLength: 80 }).map((junk) => ({ junk, how: 'random ascii' })),
    fc.tuple(b64seg, b64seg, b64seg).map(([a, b, c]) => ({ junk: `${a}.${b}.${c}`, how: 'random JWT-shaped' })),
    fc.constantFrom('', '.', '..', '...', 'a.b', 'a.b.c.d', 'null', 'undefined', 'Bearer x.y.z', '%00', 'x.y.z\u0000').map((junk) => ({ junk, how: 'edge case' })),
    claimTweaks.map(([how, tweak]) => ({ junk: `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(tweak(realClaims)))}.`, how: `alg none, ${how}` })),
    claimTweaks.map(([how, tweak]) => ({ junk: `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify(tweak(realClaims)))}.AAAA`, how: `alg none with a signature, ${how}` })),
    claimTweaks.map(([how, tweak]) => ({ junk: es256({ alg: 'ES256', typ: 'JWT' }, tweak(realClaims)), how: `ES256 signed by another key, ${how}` })),
    claimTweaks.map(([how, tweak]) => ({ junk: hs256WithPublicKey(tweak(realClaims)), how: `HS256 keyed with the public key, ${how}` })),
    claimTweaks
      .filter(([how]) => how !== 'same claims')
      .map(([how, tweak]) => ({ junk: `${h}.${b64url(JSON.stringify(tweak(realClaims)))}.${s}`, how: `real signature over changed claims (${how})` })),
    // The high bit of the character's 6: a flip that changes the signature's bytes (the last
    // character's low bits are padding, which base64url decoders ignore).
    fc.nat({ max: s.length - 1 }).map((i) => ({ junk: `${h}.${p}.${s.slice(0, i)}${B64URL[B64URL.indexOf(s[i]!) ^ 32]}${s.slice(i + 1)}`, how: `real token, signature char ${i} flipped` })),
    fc.nat({ max: realToken.length - 2 }).map((i) => ({ junk: realToken.slice(0, i + 1), how: `real token cut at ${i + 1}` })),
    fc
      .constantFrom<[string, string]>(
        ['<real>.x', `${realToken}.x`],
        ['<real>=', `${realToken}=`],
        ['<REAL> (upper case)', realToken.toUpperCase()],
        ['<header>.<payload>', `${h}.${p}`],
        ['<header>..<signature>', `${h}..${s}`],
        ['<real>,<real>', `${realToken},${realToken}`],
        ['<real> <real>', `${realToken} ${realToken}`],
        ['<real> x', `${realToken} x`],
      )
      .map(([shape, junk]) => ({ junk, how: `real token, reshaped: ${shape}` })),
    fc.constantFrom(4_097, 6_000, 8_000).map((n) => ({ junk: `${h}.${'A'.repeat(n)}.${s}`, how: `${n}+ chars` })),
  ).filter((t) => t.junk.trim() !== realToken);
}

/** Header values node will put on the wire: tab, printable ASCII, latin-1 (no CR, LF or NUL). */
export const headerSafe = (s: string) =>
  Array.from(s)
    .map((c) => (/^[\t\x20-\x7e\x80-\xff]$/.test(c) ? c : '?'))
    .join('');
