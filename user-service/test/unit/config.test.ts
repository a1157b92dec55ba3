import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, generateTokenKeys } from '@herald/platform';
import { loadUserServiceConfig } from '../../src/config.js';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('user-service config', () => {
  it('has defaults for everything the embedded runtime does not provide', () => {
    expect(loadUserServiceConfig({})).toEqual({
      port: 3001,
      host: '127.0.0.1',
      databaseUrl: undefined,
      databaseSchema: 'users',
      amqpUrl: undefined,
      amqpExchange: 'herald.events',
      amqpQueuePrefix: '',
      jwtPrivateKey: undefined,
      jwtPublicKey: undefined,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 2592000,
      refreshReuseGraceSeconds: 10,
      retentionIntervalMs: 3_600_000,
      retentionBatchSize: 1000,
      retentionSessionsDays: 30,
      retentionLoginFailuresHours: 24,
    });
  });

  it('reads the retention settings: 0 switches the job off, nonsense is named', () => {
    expect(loadUserServiceConfig({ RETENTION_INTERVAL_MS: '0', RETENTION_SESSIONS_DAYS: '7' })).toMatchObject({ retentionIntervalMs: 0, retentionSessionsDays: 7 });
    const problems = problemsOf(() => loadUserServiceConfig({ RETENTION_INTERVAL_MS: '-1', RETENTION_SESSIONS_DAYS: '0', RETENTION_BATCH_SIZE: 'lots' }));
    for (const name of ['RETENTION_INTERVAL_MS', 'RETENTION_SESSIONS_DAYS', 'RETENTION_BATCH_SIZE']) expect(problems.join('\n')).toContain(name);
  });

  it('names every missing variable at once when run standalone', () => {
    const problems = problemsOf(() => loadUserServiceConfig({}, { standalone: true }));
    for (const name of ['DATABASE_URL', 'AMQP_URL', 'JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY']) expect(problems.join('\n')).toContain(name);
  });

  it('names bad values', () => {
    const problems = problemsOf(() =>
      loadUserServiceConfig({ PORT: 'eighty', DATABASE_SCHEMA: 'Users; DROP', ACCESS_TOKEN_TTL_SECONDS: '5', DATABASE_URL: 'mysql://x', JWT_PUBLIC_KEY: '/nonexistent/key.pem' }),
    );
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'DATABASE_SCHEMA', 'ACCESS_TOKEN_TTL_SECONDS', 'DATABASE_URL', 'JWT_PUBLIC_KEY']) expect(problems.join('\n')).toContain(name);
  });

  it('reads keys inline or from a file', () => {
    const keys = generateTokenKeys();
    const dir = mkdtempSync(path.join(tmpdir(), 'herald-user-service-keys-'));
    try {
      const file = path.join(dir, 'public.pem');
      writeFileSync(file, keys.publicKey);
      const config = loadUserServiceConfig({ JWT_PRIVATE_KEY: keys.privateKey.replaceAll('\n', '\\n'), JWT_PUBLIC_KEY: file });
      expect(config.jwtPrivateKey).toBe(keys.privateKey);
      expect(config.jwtPublicKey).toBe(keys.publicKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
