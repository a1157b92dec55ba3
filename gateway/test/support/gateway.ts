import jwt from 'jsonwebtoken';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { createLogger, createMetricsRegistry, generateTokenKeys, TokenSigner, TokenVerifier, uuidv7 } from '@herald/platform';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { readGatewayConfig } from '../../src/config.js';

/** One key pair per test file: tokens signed here verify at the gateways built here. */
export const keys = generateTokenKeys();
const signer = new TokenSigner(keys.privateKey);

export function tokenFor(userId: string = uuidv7(), username = 'ana'): string {
  return signer.sign({ userId, username, scopes: [] });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Tokens that must all be refused: each is wrong in exactly one way. */
export const badTokens = {
  expired: () => new TokenSigner(keys.privateKey, -60).sign({ userId: uuidv7(), username: 'ana', scopes: [] }),
  otherKey: () => new TokenSigner(generateTokenKeys().privateKey).sign({ userId: uuidv7(), username: 'ana', scopes: [] }),
  wrongAudience: () => jwt.sign({}, keys.privateKey, { algorithm: 'ES256', subject: uuidv7(), issuer: 'herald', audience: 'other' }),
  // The classic confusion: HMAC "signed" with the public key as the secret.
  hmacWithPublicKey: () => jwt.sign({}, keys.publicKey, { algorithm: 'HS256', subject: uuidv7(), issuer: 'herald', audience: 'herald-api' }),
  unsigned: () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', iss: 'herald', aud: 'herald-api' })).toString('base64url')}.`,
  tampered: () => {
    const [h, , s] = tokenFor().split('.');
    return `${h}.${Buffer.from(JSON.stringify({ sub: 'someone-else', iss: 'herald', aud: 'herald-api', exp: 9e9 })).toString('base64url')}.${s}`;
  },
};

const registries = new WeakMap<Gateway, Registry>();

/**
 * A gateway as main.ts builds it, from an environment (limits off unless the test turns them on;
 * metrics, once started, on a free port unless the test names one).
 */
export async function buildGateway(env: Record<string, string>, redis?: Redis): Promise<Gateway> {
  const config = readGatewayConfig({ RATE_LIMIT_ENABLED: 'false', METRICS_PORT: '0', ...env });
  const registry = createMetricsRegistry('gateway');
  const gateway = await createGateway({
    config,
    logger: createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    registry,
    verifier: new TokenVerifier(keys.publicKey),
    redis,
  });
  registries.set(gateway, registry);
  return gateway;
}

/** The gateway's metrics text (what its METRICS_PORT serves), started or not. */
export async function metricsOf(gateway: Gateway): Promise<string> {
  return registries.get(gateway)!.metrics();
}
