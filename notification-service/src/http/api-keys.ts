import { createHash, timingSafeEqual } from 'node:crypto';
import { nameUuid, type AccessClaims } from '@herald/platform';
import { NOTIFICATION_TYPES } from '../domain/notification.js';

/**
 * API keys for backends that call the send API (docs/api.md: "a token with the notifications:send
 * scope, or an API key"). Configured as `SEND_API_KEYS=name:key,other:key2`. A key grants only
 * `notifications:send`; its caller is a stable pseudo-user derived from the key's name, so
 * idempotency keys and delivery status are scoped per key name.
 */
export interface ApiKeys {
  verify(presented: string): AccessClaims | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** One `SEND_API_KEYS` entry, `name:key[:scopes]`; `scopes` is as given ('' = send only). */
export interface SendApiKey {
  name: string;
  key: string;
  scopes: string;
}

/** Shortest key SEND_API_KEYS accepts (generated ones are 35 characters). */
export const MIN_API_KEY_LENGTH = 16;
/** Scope words of a key: `send`, `admin`, `noncritical`, `types=alert|reminder`, joined by `+`; or `*` for all. */
function scopeProblem(spec: string): string | undefined {
  if (spec === '*') return undefined;
  for (const word of spec.split('+')) {
    if (word === 'send' || word === 'admin' || word === 'noncritical') continue;
    if (word.startsWith('types=')) {
      const types = word.slice('types='.length).split('|');
      const bad = types.filter((t) => !(NOTIFICATION_TYPES as readonly string[]).includes(t));
      if (types.length > 0 && bad.length === 0) continue;
      return `types ${JSON.stringify(bad.join('|') || word)} are not notification types (${NOTIFICATION_TYPES.join(', ')})`;
    }
    return `scope ${JSON.stringify(word)} is not send, admin, noncritical, types=a|b or *`;
  }
  return undefined;
}

/**
 * Reads `name:key[:scopes]`, comma-separated, strictly: a typo here would silently lock a backend out
 * or grant it the wrong scope, and an empty key would make an empty X-API-Key valid. Problems name
 * the entry by position and name and never echo a key.
 */
export function readSendApiKeys(raw: string): { keys: SendApiKey[]; problems: string[] } {
  const items = raw.split(',').map((item) => item.trim());
  const problems: string[] = [];
  const keys: SendApiKey[] = [];
  if (items.every((item) => item === '')) problems.push('names no key');
  items.forEach((item, i) => {
    if (item === '') return;
    const at = `entry ${i + 1}`;
    const parts = item.split(':');
    if (parts.length < 2 || parts.length > 3) return void problems.push(`${at} is not name:key[:scopes]`);
    const [keyName, key, scopes = ''] = parts as [string, string, string?];
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(keyName)) problems.push(`${at}: name ${JSON.stringify(keyName)} is not letters, digits, ".", "_" or "-" (1-64)`);
    if (!/^[\x21-\x7e]*$/.test(key)) problems.push(`${at} (${keyName}): the key has spaces or non-ASCII characters`);
    else if (key.length < MIN_API_KEY_LENGTH) problems.push(`${at} (${keyName}): the key is shorter than ${MIN_API_KEY_LENGTH} characters`);
    const scopeIssue = parts.length === 3 ? scopeProblem(scopes) : undefined;
    if (scopeIssue) problems.push(`${at} (${keyName}): ${scopeIssue}`);
    keys.push({ name: keyName, key, scopes });
  });
  return { keys, problems };
}

/** The keys of a SEND_API_KEYS value already checked by readSendApiKeys (config); anything short of a key is left out. */
export function parseApiKeys(spec: string): ApiKeys | undefined {
  const entries = readSendApiKeys(spec)
    .keys.filter((k) => k.key.length >= MIN_API_KEY_LENGTH)
    .map(({ name, key, scopes }) => ({ name, hash: digest(key), caller: { userId: senderIdFor(name), username: `api:${name}`, scopes: scopesOf(scopes) } }));
  if (entries.length === 0) return undefined;
  return {
    verify(presented) {
      const hash = digest(presented);
      // Compare against every key so the time taken does not reveal which one (or whether any) matched.
      let found: AccessClaims | undefined;
      for (const entry of entries) if (timingSafeEqual(hash, entry.hash)) found = entry.caller;
      return found;
    },
  };
}

/**
 * `name:key` grants the send API; `name:key:<scopes>` names them, joined by `+`: `send`
 * (notifications:send, critical included; status webhooks need it too), `admin` (dead letters,
 * replays, digests), and the limits `noncritical` (may not send priority critical) and
 * `types=alert|reminder` (only these types). `*` is send and admin with no limit.
 */
function scopesOf(spec: string | undefined): string[] {
  if (!spec) return ['notifications:send'];
  const words = spec === '*' ? ['send', 'admin'] : spec.split('+');
  return words.map((w) =>
    w === 'send' ? 'notifications:send' : w === 'admin' ? 'admin' : w === 'noncritical' ? 'notifications:noncritical' : w.startsWith('types=') ? `notifications:${w}` : `unknown:${w}`,
  );
}

/** The sender id an API key's notifications are recorded under (a name-based UUID of the key's name). */
export function senderIdFor(name: string): string {
  return nameUuid(`herald-api-key:${name}`);
}
