import { describe, expect, it } from 'vitest';
import { ConfigError } from '@herald/platform';
import { readPostServiceConfig } from '../../src/config.js';

const required = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/herald', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', JWT_PUBLIC_KEY: '/etc/herald/jwt.pem' };

describe('readPostServiceConfig', () => {
  it('applies the documented defaults', () => {
    expect(readPostServiceConfig(required)).toEqual({
      port: 3002,
      host: '127.0.0.1',
      databaseUrl: required.DATABASE_URL,
      databaseSchema: 'posts',
      amqpUrl: required.AMQP_URL,
      amqpExchange: 'herald.events',
      amqpQueuePrefix: '',
      jwtPublicKey: required.JWT_PUBLIC_KEY,
    });
  });

  it('names every bad or missing variable at once', () => {
    let error: unknown;
    try {
      readPostServiceConfig({ PORT: '70000', DATABASE_URL: 'mysql://x', DATABASE_SCHEMA: 'Posts; DROP', AMQP_URL: required.AMQP_URL });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'DATABASE_SCHEMA', 'JWT_PUBLIC_KEY']) expect(text).toContain(name);
    expect(text).not.toContain('AMQP_URL');
  });
});
