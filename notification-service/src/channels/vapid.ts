import { createECDH } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import webpush from 'web-push';

/**
 * VAPID (RFC 8292): the key pair that identifies Herald to push services. Browsers subscribe with
 * the public key; every push carries a JWT signed with the private key. A new pair invalidates every
 * subscription made with the old one, so a deployment keeps its pair for good: from the environment
 * (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY), or in embedded mode generated once and kept in the data
 * directory (loadOrCreateVapidKeys).
 */
export interface VapidKeys {
  /** base64url of the uncompressed P-256 public key (65 bytes): the browser's applicationServerKey. */
  publicKey: string;
  /** base64url of the 32-byte private key. */
  privateKey: string;
}

export const DEFAULT_VAPID_SUBJECT = 'mailto:notifications@herald.local';

type Source = Record<string, string | undefined>;
type Read<T> = (source: Source) => { ok: true; value: T } | { ok: false; problem: string };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Why these two strings are not a VAPID key pair, or undefined when they are one. */
export function vapidKeysProblem(keys: VapidKeys): string | undefined {
  if (!BASE64URL.test(keys.publicKey) || Buffer.from(keys.publicKey, 'base64url').length !== 65) {
    return 'the public key must be the unpadded base64url of an uncompressed P-256 point (65 bytes)';
  }
  if (!BASE64URL.test(keys.privateKey) || Buffer.from(keys.privateKey, 'base64url').length !== 32) {
    return 'the private key must be the unpadded base64url of 32 bytes';
  }
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(keys.privateKey, 'base64url'));
    if (ecdh.getPublicKey('base64url') !== keys.publicKey) return 'the public key is not the private key’s';
  } catch {
    return 'the private key is not a P-256 private key';
  }
  return undefined;
}

/** VAPID_PUBLIC_KEY + VAPID_PRIVATE_KEY: both or neither, one matching pair. */
export const vapidKeysSetting: Read<VapidKeys | undefined> = (source) => {
  const publicKey = source.VAPID_PUBLIC_KEY || undefined;
  const privateKey = source.VAPID_PRIVATE_KEY || undefined;
  if (!publicKey && !privateKey) return { ok: true, value: undefined };
  if (!publicKey || !privateKey) {
    return { ok: false, problem: `VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY go together: ${publicKey ? 'VAPID_PRIVATE_KEY' : 'VAPID_PUBLIC_KEY'} is missing` };
  }
  const problem = vapidKeysProblem({ publicKey, privateKey });
  // Never echo the private key.
  return problem ? { ok: false, problem: `VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY: ${problem} (npx web-push generate-vapid-keys makes a pair)` } : { ok: true, value: { publicKey, privateKey } };
};

/** VAPID_SUBJECT: how a push service reaches the operator, a mailto: or https: URL. */
export const vapidSubjectSetting: Read<string> = (source) => {
  const raw = source.VAPID_SUBJECT || DEFAULT_VAPID_SUBJECT;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !['mailto:', 'https:'].includes(url.protocol) || (url.protocol === 'mailto:' && !/^mailto:[^@\s]+@[^@\s]+$/.test(raw))) {
    return { ok: false, problem: `VAPID_SUBJECT=${JSON.stringify(raw)} is not a mailto: address or https: URL` };
  }
  return { ok: true, value: raw };
};

/**
 * The pair kept in `file` (JSON, 0600), generated with web-push's generateVAPIDKeys the first time
 * or when the file does not hold a valid pair; `created` says so (browsers subscribed with an
 * earlier pair must subscribe again).
 */
export function loadOrCreateVapidKeys(file: string): { keys: VapidKeys; created: boolean } {
  if (existsSync(file)) {
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<VapidKeys>;
      const keys = { publicKey: String(stored.publicKey ?? ''), privateKey: String(stored.privateKey ?? '') };
      if (!vapidKeysProblem(keys)) return { keys, created: false };
    } catch {
      // Unreadable: generated again below.
    }
  }
  const generated = webpush.generateVAPIDKeys();
  const keys = { publicKey: generated.publicKey, privateKey: generated.privateKey };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  return { keys, created: true };
}
