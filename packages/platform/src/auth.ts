import jwt from 'jsonwebtoken';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from './errors.js';
import { tokenFromAuthorization } from './bearer-token.js';
import { toUuid } from './uuid.js';

/**
 * Access tokens are ES256 JWTs: user-service holds the private key and signs; every other service
 * holds only the public key and verifies, so a compromised gateway cannot mint tokens.
 */
export interface AccessClaims {
  userId: string;
  username: string;
  scopes: string[];
  /** The login session the token belongs to (`sid`); revoking the session ends its live sockets. */
  sessionId?: string;
  /** When the token expires (`exp`), in ms since the epoch; set by verify(). */
  expiresAt?: number;
}

export interface TokenKeys {
  publicKey: string;
  privateKey?: string;
}

const ISSUER = 'herald';
const AUDIENCE = 'herald-api';

export class TokenVerifier {
  /** Parsed once: handing jsonwebtoken the PEM string parses it again on every verify (a third of a connect's CPU). */
  private readonly key: KeyObject;

  constructor(publicKey: string) {
    this.key = createPublicKey(publicKey);
  }

  verify(token: string): AccessClaims {
    try {
      const payload = jwt.verify(token, this.key, { algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE });
      // A token without an expiry would be valid forever, and every id in Herald is a uuid: anything
      // else was not minted by user-service, whatever its signature says.
      if (typeof payload === 'string' || typeof payload.sub !== 'string' || !toUuid(payload.sub)) throw new Error('malformed claims');
      if (typeof payload.exp !== 'number') throw new Error('no exp claim');
      if (payload.sid !== undefined && !toUuid(payload.sid)) throw new Error('malformed sid');
      return {
        userId: payload.sub,
        username: typeof payload.username === 'string' ? payload.username : '',
        scopes: typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [],
        ...(payload.sid ? { sessionId: payload.sid as string } : {}),
        expiresAt: payload.exp * 1000,
      };
    } catch (err) {
      const expired = err instanceof jwt.TokenExpiredError;
      throw new UnauthorizedError(expired ? 'access token expired' : 'access token is invalid', expired ? 'token_expired' : 'invalid_token');
    }
  }

  /** Reads `Authorization: Bearer <jwt>`; throws UnauthorizedError when missing or bad. */
  fromRequest(req: FastifyRequest): AccessClaims {
    // The gateway's parser, so a service reads a token exactly as the gateway did before passing it on.
    const found = tokenFromAuthorization(req.headers.authorization);
    if (!found.ok) throw new UnauthorizedError(found.message, found.code);
    return this.verify(found.token);
  }
}

export class TokenSigner {
  private readonly key: KeyObject;

  constructor(
    privateKey: string,
    private readonly ttlSeconds = 900,
  ) {
    this.key = createPrivateKey(privateKey);
  }

  get accessTokenTtlSeconds(): number {
    return this.ttlSeconds;
  }

  sign(claims: AccessClaims): string {
    const payload = { username: claims.username, scope: claims.scopes.join(' '), ...(claims.sessionId ? { sid: claims.sessionId } : {}) };
    return jwt.sign(payload, this.key, {
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
