import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, generateTokenKeys } from '@herald/platform';
import { publicKeyOf, readGatewayConfig, repoRoot, upstreamsOf } from '../../src/config.js';

describe('gateway configuration', () => {
  it('has the documented defaults', () => {
    const config = readGatewayConfig({});
    expect(config).toMatchObject({
      port: 3000,
      rateLimitEnabled: true,
      rateLimitUserPerMinute: 1200,
      rateLimitIpPerMinute: 3000,
      rateLimitAuthPerMinute: 300,
      corsOrigins: '*',
      trustProxy: false,
    });
    expect(upstreamsOf(config)).toEqual({
      'user-service': 'http://127.0.0.1:3001',
      'post-service': 'http://127.0.0.1:3002',
      'notification-service': 'http://127.0.0.1:3003',
    });
  });

  it('finds web-demo relative to the repository, not the working directory', () => {
    expect(repoRoot).toBe(path.resolve(import.meta.dirname, '../../..'));
    expect(readGatewayConfig({}).webDemoDir).toBe(path.join(repoRoot, 'web-demo', 'public'));
    expect(readGatewayConfig({ WEB_DEMO_DIR: 'elsewhere/site' }).webDemoDir).toBe(path.join(repoRoot, 'elsewhere', 'site'));
    expect(readGatewayConfig({ WEB_DEMO_DIR: '/srv/site' }).webDemoDir).toBe('/srv/site');
  });

  it('accepts a list of CORS origins', () => {
    expect(readGatewayConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins).toEqual([
      'https://a.example',
      'http://localhost:5173',
    ]);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      readGatewayConfig({ PORT: 'eighty', USER_SERVICE_URL: 'ftp://x', RATE_LIMIT_IP_PER_MINUTE: '0', CORS_ORIGINS: 'https://a.example/path', REDIS_URL: 'http://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'USER_SERVICE_URL', 'RATE_LIMIT_IP_PER_MINUTE', 'CORS_ORIGINS', 'REDIS_URL']) expect(problems).toContain(name);
  });

  it('takes the public key inline, and refuses to start without one', () => {
    const { publicKey } = generateTokenKeys();
    expect(publicKeyOf(readGatewayConfig({ JWT_PUBLIC_KEY: publicKey }))).toBe(publicKey);
    expect(() => publicKeyOf(readGatewayConfig({ HERALD_DATA_DIR: '/nonexistent/herald' }))).toThrow(/JWT_PUBLIC_KEY is required/);
  });
});
