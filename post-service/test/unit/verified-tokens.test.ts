import { afterEach, describe, expect, it, vi } from 'vitest';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { errorHandler, generateTokenKeys, TokenSigner, TokenVerifier, uuidv7 } from '@herald/platform';
import { actorOf, requireAuth } from '../../src/http/auth.js';

describe('requireAuth with its verified-token cache', () => {
  const keys = generateTokenKeys();
  const signer = new TokenSigner(keys.privateKey, 60);
  afterEach(() => vi.useRealTimers());

  async function app() {
    const verifier = new TokenVerifier(keys.publicKey);
    const verify = vi.spyOn(verifier, 'verify');
    const fastify = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    fastify.setErrorHandler(errorHandler);
    await fastify.register(async (scope) => {
      requireAuth(scope, verifier);
      scope.get('/me', async (req) => actorOf(req));
    });
    const call = (authorization?: string) => fastify.inject({ url: '/me', headers: authorization === undefined ? {} : { authorization } });
    return { fastify, verify, call };
  }

  it('verifies a token once and answers from the cache after, with the same actor', async () => {
    const { verify, call } = await app();
    const id = uuidv7().toUpperCase();
    const token = signer.sign({ userId: id, username: 'ana', scopes: [] });
    for (let i = 0; i < 3; i++) {
      const res = await call(`Bearer ${token}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ userId: id.toLowerCase(), username: 'ana' });
    }
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses what it refused before, every time, and an expired token with token_expired', async () => {
    const { verify, call } = await app();
    expect((await call()).json().error.code).toBe('missing_token');
    for (let i = 0; i < 2; i++) expect((await call('Bearer not.a.jwt')).json().error.code).toBe('invalid_token');
    expect(verify).toHaveBeenCalledTimes(2);

    const token = signer.sign({ userId: uuidv7(), username: 'bo', scopes: [] });
    expect((await call(`Bearer ${token}`)).statusCode).toBe(200);
    vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ['Date'] });
    const expired = await call(`Bearer ${token}`);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('token_expired');
  });
});
