import jwt from 'jsonwebtoken';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from './errors.js';

/**
 * Access tokens are ES256 JWTs: user-service holds the private key and signs; every other service
 * holds only the public key and verifies, so a compromised gateway cannot mint tokens.
 */
export interface AccessClaims {
  userId: string;
  username: string;
  scopes: string[];
}

export interface TokenKeys {
  publicKey: string;
  privateKey?: string;
}

const ISSUER = 'herald';
const AUDIENCE = 'herald-api';

export class TokenVerifier {
  constructor(private readonly publicKey: string) {}

  verify(token: string): AccessClaims {
    try {
      const payload = jwt.verify(token, this.publicKey, { algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE });
      if (typeof payload === 'string' || typeof payload.sub !== 'string') throw new Error('malformed claims');
      return {
        userId: payload.sub,
        username: typeof payload.username === 'string' ? payload.username : '',
        scopes: typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [],
      };
    } catch (err) {
      const expired = err instanceof jwt.TokenExpiredError;
      throw new UnauthorizedError(expired ? 'access token expired' : 'access token is invalid', expired ? 'token_expired' : 'invalid_token');
    }
  }

  /** Reads `Authorization: Bearer <jwt>`; throws UnauthorizedError when missing or bad. */
  fromRequest(req: FastifyRequest): AccessClaims {
    const header = req.headers.authorization;
    if (!header) throw new UnauthorizedError('missing Authorization: Bearer <token> header', 'missing_token');
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw new UnauthorizedError('Authorization header must be "Bearer <token>"', 'invalid_token');
    return this.verify(token);
  }
}

export class TokenSigner {
  constructor(
    private readonly privateKey: string,
    private readonly ttlSeconds = 3600,
  ) {}

  sign(claims: AccessClaims): string {
    return jwt.sign({ username: claims.username, scope: claims.scopes.join(' ') }, this.privateKey, {
      algorithm: 'ES256',
      subject: claims.userId,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: this.ttlSeconds,
    });
  }
}

export function generateTokenKeys(): Required<TokenKeys> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey, privateKey };
}

/** A PEM given inline, or a path to a file holding it. */
export function readPem(value: string): string {
  return value.includes('-----BEGIN') ? value.replaceAll('\\n', '\n') : readFileSync(value, 'utf8');
}

/** Embedded mode: one key pair created on first start and kept in the data directory. */
export function loadOrCreateTokenKeys(dataDir: string): Required<TokenKeys> {
  const dir = path.join(dataDir, 'keys');
  const privatePath = path.join(dir, 'jwt-private.pem');
  const publicPath = path.join(dir, 'jwt-public.pem');
  if (existsSync(privatePath) && existsSync(publicPath)) {
    return { privateKey: readFileSync(privatePath, 'utf8'), publicKey: readFileSync(publicPath, 'utf8') };
  }
  const keys = generateTokenKeys();
  mkdirSync(dir, { recursive: true });
  writeFileSync(privatePath, keys.privateKey, { mode: 0o600 });
  writeFileSync(publicPath, keys.publicKey);
  return keys;
}
