import { describe, expect, it } from 'vitest';
import { parseApiKeys, senderIdFor } from '../../../src/http/api-keys.js';

describe('send API keys', () => {
  it('verifies configured keys and grants only the send scope, as a stable sender per key name', () => {
    const keys = parseApiKeys('billing:k1, marketing:k2')!;
    expect(keys.verify('k1')).toEqual({ userId: senderIdFor('billing'), username: 'api:billing', scopes: ['notifications:send'] });
    expect(keys.verify('k2')?.username).toBe('api:marketing');
    expect(keys.verify('k3')).toBeUndefined();
    expect(keys.verify('')).toBeUndefined();
  });

  it('is off when no key is configured', () => {
    expect(parseApiKeys('')).toBeUndefined();
    expect(parseApiKeys(' , ')).toBeUndefined();
  });

  it('derives a valid, deterministic uuid per key name', () => {
    expect(senderIdFor('billing')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(senderIdFor('billing')).toBe(senderIdFor('billing'));
    expect(senderIdFor('billing')).not.toBe(senderIdFor('marketing'));
  });
});
