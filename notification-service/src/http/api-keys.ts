import { createHash, timingSafeEqual } from 'node:crypto';
import { nameUuid, type AccessClaims } from '@herald/platform';

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

export function parseApiKeys(spec: string): ApiKeys | undefined {
  const entries = spec
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const parts = item.split(':');
      const name = parts.length > 1 ? parts[0]! : 'default';
      const key = parts.length > 1 ? parts[1]! : item;
      return { name, hash: digest(key), caller: { userId: senderIdFor(name), username: `api:${name}`, scopes: scopesOf(parts[2]) } };
    });
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
 * `name:key` grants the send API; `name:key:send+admin` (or `name:key:*`) names the scopes: `send`
 * (notifications:send) and `admin` (dead letters, replays, digests); status webhooks need `send`.
 */
function scopesOf(spec: string | undefined): string[] {
  if (!spec) return ['notifications:send'];
  const names = spec === '*' ? ['send', 'admin'] : spec.split('+');
  return names.map((n) => (n === 'send' ? 'notifications:send' : n === 'admin' ? 'admin' : `unknown:${n}`));
}

/** The sender id an API key's notifications are recorded under (a name-based UUID of the key's name). */
export function senderIdFor(name: string): string {
  return nameUuid(`herald-api-key:${name}`);
}
