import { describe, expect, it } from 'vitest';
import { parseApiKeys, readSendApiKeys, senderIdFor } from '../../../src/http/api-keys.js';
import { readNotificationServiceConfig } from '../../../src/config.js';

const K1 = 'billing-key-0123456789';
const K2 = 'marketing-key-0123456789';

describe('send API keys', () => {
  it('verifies configured keys and grants only the send scope, as a stable sender per key name', () => {
    const keys = parseApiKeys(`billing:${K1}, marketing:${K2}`)!;
    expect(keys.verify(K1)).toEqual({ userId: senderIdFor('billing'), username: 'api:billing', scopes: ['notifications:send'] });
    expect(keys.verify(K2)?.username).toBe('api:marketing');
    expect(keys.verify('k3')).toBeUndefined();
    expect(keys.verify('')).toBeUndefined();
  });

  it('grants the scopes an entry names', () => {
    const keys = parseApiKeys(`ops:${K1}:admin,all:${K2}:*`)!;
    expect(keys.verify(K1)?.scopes).toEqual(['admin']);
    expect(keys.verify(K2)?.scopes).toEqual(['notifications:send', 'admin']);
    const limited = parseApiKeys(`billing:${K1}:send+noncritical+types=alert|reminder`)!;
    expect(limited.verify(K1)?.scopes).toEqual(['notifications:send', 'notifications:noncritical', 'notifications:types=alert|reminder']);
  });

  it('is off when no key is configured, and an entry without a real key never makes an empty key valid', () => {
    expect(parseApiKeys('')).toBeUndefined();
    expect(parseApiKeys(' , ')).toBeUndefined();
    expect(parseApiKeys('empty:')).toBeUndefined();
    expect(parseApiKeys(`empty:,billing:${K1}`)!.verify('')).toBeUndefined();
  });

  it('reads SEND_API_KEYS strictly, naming each bad entry without echoing its key', () => {
    const { problems } = readSendApiKeys(`${K1},ops:tiny,ops2:${K2}:root,bad name:${K1},t:${K2}:send+types=alert|party`);
    expect(problems).toEqual([
      'entry 1 is not name:key[:scopes]',
      'entry 2 (ops): the key is shorter than 16 characters',
      'entry 3 (ops2): scope "root" is not send, admin, noncritical, types=a|b or *',
      'entry 4: name "bad name" is not letters, digits, ".", "_" or "-" (1-64)',
      'entry 5 (t): types "party" are not notification types (follow, post, comment, like, mention, message, alert, reminder, system)',
    ]);
    expect(problems.join(' ')).not.toContain(K1);
    expect(readSendApiKeys(`billing:${K1}:send+admin`)).toEqual({ keys: [{ name: 'billing', key: K1, scopes: 'send+admin' }], problems: [] });
  });

  it('a bad SEND_API_KEYS stops the standalone service at start-up, by name', () => {
    const required = { DATABASE_URL: 'postgres://x/y', AMQP_URL: 'amqp://x', REDIS_URL: 'redis://x', JWT_PUBLIC_KEY: 'k' };
    expect(() => readNotificationServiceConfig({ ...required, SEND_API_KEYS: 'ops:short' })).toThrow(/SEND_API_KEYS: entry 1 \(ops\)/);
    expect(readNotificationServiceConfig({ ...required, SEND_API_KEYS: `ops:${K1}:admin` }).sendApiKeys).toBe(`ops:${K1}:admin`);
  });

  it('derives a valid, deterministic uuid per key name', () => {
    expect(senderIdFor('billing')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(senderIdFor('billing')).toBe(senderIdFor('billing'));
    expect(senderIdFor('billing')).not.toBe(senderIdFor('marketing'));
  });
});
