import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { generateTokenKeys, TokenSigner, TokenVerifier, type AccessClaims } from '../../src/auth.js';
import { errorHandler } from '../../src/http.js';
import { UnauthorizedError } from '../../src/errors.js';
import { uuidv7 } from '../../src/ids.js';
import { actorOf, authenticate, requireAuth } from '../../src/require-auth.js';
import { VerifiedTokens } from '../../src/verified-tokens.js';

const keys = generateTokenKeys();
const signer = new TokenSigner(keys.privateKey, 60);
const verifier = new TokenVerifier(keys.publicKey);
const robot: AccessClaims = { userId: uuidv7(), username: 'robot', scopes: ['send'] };

async function app() {
  const fastify = Fastify();
  fastify.setErrorHandler(errorHandler);
  await fastify.register(async (scope) => {
    requireAuth(scope, verifier, {
      alternative: (req) => {
        if (req.headers['x-robot'] === undefined) return undefined;
        if (req.headers['x-robot'] !== 'yes') throw new UnauthorizedError('no such robot', 'invalid_api_key');
        return robot;
      },
    });
    scope.get('/me', async (req) => actorOf(req));
  });
  // A route of its own declaring the hook, and one that forgot it.
  fastify.get('/alone', { onRequest: authenticate(verifier) }, async (req) => ({ userId: actorOf(req).userId }));
  fastify.get('/forgot', async (req) => actorOf(req));
  return fastify;
}

describe('requireAuth and actorOf', () => {
  it('gives the verified caller, its user id in canonical lower case', async () => {
    const fastify = await app();
    const id = uuidv7().toUpperCase();
    const token = signer.sign({ userId: id, username: 'ana', scopes: ['read'] });
    const res = await fastify.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userId: id.toLowerCase(), username: 'ana', scopes: ['read'] });
    const alone = await fastify.inject({ url: '/alone', headers: { authorization: `Bearer ${token}` } });
    expect(alone.json()).toEqual({ userId: id.toLowerCase() });
  });

  it.each([
    ['no token', {}, 'missing_token'],
    ['a malformed header', { authorization: 'Basic abc' }, 'invalid_token'],
    ['a token of another key', { authorization: `Bearer ${new TokenSigner(generateTokenKeys().privateKey).sign(robot)}` }, 'invalid_token'],
    ['a bad alternative credential', { 'x-robot': 'no' }, 'invalid_api_key'],
  ])('answers %s with 401', async (_name, headers, code) => {
    const res = await (await app()).inject({ url: '/me', headers });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe(code);
  });

  it('lets the alternative in, and a route without the hook has no caller', async () => {
    const fastify = await app();
    expect((await fastify.inject({ url: '/me', headers: { 'x-robot': 'yes' } })).json()).toEqual(robot);
    expect((await fastify.inject({ url: '/forgot' })).statusCode).toBe(401);
  });
});

describe('VerifiedTokens', () => {
  const actor = (n: number) => ({ userId: `user-${n}`, username: `u${n}` });

  it('answers until the expiry, not from it on', () => {
    const cache = new VerifiedTokens<ReturnType<typeof actor>>(10);
    cache.set('Bearer a', actor(1), 5_000);
    expect(cache.get('Bearer a', 4_999)).toEqual(actor(1));
    expect(cache.get('Bearer a', 5_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get('Bearer b', 0)).toBeUndefined();
  });

  it('holds at most its capacity, evicting the least recently used', () => {
    const cache = new VerifiedTokens<ReturnType<typeof actor>>(2);
    cache.set('a', actor(1), 10);
    cache.set('b', actor(2), 10);
    expect(cache.get('a', 0)).toEqual(actor(1));
    cache.set('c', actor(3), 10);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toEqual(actor(1));
    expect(cache.get('c', 0)).toEqual(actor(3));
  });
});
