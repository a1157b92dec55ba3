import { TokenSigner, TokenVerifier, generateTokenKeys, uuidv7 } from '@herald/platform';
import type { UseCaseDeps } from '../../src/app/deps.js';
import { MemoryBlockRepository, MemoryFollowRepository, MemorySessionRepository, MemoryStore, MemoryUserRepository } from '../../src/adapters/memory-repositories.js';
import { ScryptPasswordHasher } from '../../src/adapters/scrypt-password-hasher.js';
import { tokenIssuer } from '../../src/adapters/token-issuer.js';
import type { RegisterInput } from '../../src/app/register.js';

/** scrypt with a small N: the same code path as production, milliseconds instead of tens of them. */
export const cheapHasher = () => new ScryptPasswordHasher({ N: 2 ** 10, r: 8, p: 1 });

const keys = generateTokenKeys();
export const testVerifier = new TokenVerifier(keys.publicKey);
export const testSigner = new TokenSigner(keys.privateKey, 600);

/** Use cases wired to in-memory repositories; `store.events` is what the outbox would hold. */
export function memoryDeps(): { deps: UseCaseDeps; store: MemoryStore } {
  const store = new MemoryStore();
  const deps: UseCaseDeps = {
    users: new MemoryUserRepository(store),
    follows: new MemoryFollowRepository(store),
    blocks: new MemoryBlockRepository(store),
    hasher: cheapHasher(),
    tokens: tokenIssuer(testSigner),
    sessions: new MemorySessionRepository(store),
    loginFailures: store.loginFailures,
    refreshTokenTtlSeconds: 3600,
    refreshReuseGraceSeconds: 0,
    clock: { now: () => new Date() },
    newId: uuidv7,
  };
  return { deps, store };
}

let n = 0;
/** An Object Mother for sign-ups: unique and valid unless told otherwise. */
export function aRegistration(overrides: Partial<RegisterInput> = {}): RegisterInput {
  n++;
  const username = overrides.username ?? `user_${process.pid}_${n}`;
  return { username, email: `${username.toLowerCase()}@example.com`, password: 'correct horse battery', ...overrides };
}
