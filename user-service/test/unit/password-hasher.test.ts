import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, ScryptPasswordHasher } from '../../src/adapters/scrypt-password-hasher.js';
import { cheapHasher } from '../support/memory-deps.js';

describe('ScryptPasswordHasher', () => {
  const hasher = cheapHasher();

  it('verifies the password it hashed and rejects any other', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(await hasher.verify('correct horse battery', stored)).toBe(true);
    expect(await hasher.verify('correct horse batterY', stored)).toBe(false);
    expect(await hasher.verify('', stored)).toBe(false);
  });

  it('stores a self-describing string with a fresh salt per hash', async () => {
    const a = await hasher.hash('same password');
    const b = await hasher.hash('same password');
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same password');
  });

  it('uses N=2^15, r=8, p=1 by default (and has the memory allowance for it)', async () => {
    const stored = await new ScryptPasswordHasher().hash('a real password');
    expect(stored.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(DEFAULT_SCRYPT).toEqual({ N: 32768, r: 8, p: 1 });
  });

  it('verifies hashes made with other parameters and asks for them to be re-hashed', async () => {
    const old = await new ScryptPasswordHasher({ N: 2 ** 9, r: 4, p: 1 }).hash('old password');
    expect(await hasher.verify('old password', old)).toBe(true);
    expect(hasher.needsRehash(old)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('new password'))).toBe(false);
  });

  it('treats the composed and decomposed spellings of a password as the same', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait');
    expect(await hasher.verify('cafe\u0301 au lait', stored)).toBe(true);
  });

  it('rejects malformed or tampered hashes instead of throwing', async () => {
    const stored = await hasher.hash('correct horse battery');
    const parts = stored.split('$');
    const tampered = [...parts.slice(0, 5), Buffer.alloc(32).toString('base64url')].join('$');
    for (const bad of ['', 'plain', 'bcrypt$2b$10$abc', tampered, stored.replace('$1024$', '$1000$'), stored.replace('$1024$', '$1073741824$')]) {
      expect(await hasher.verify('correct horse battery', bad)).toBe(false);
    }
  });
});
