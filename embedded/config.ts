import { isIP } from 'node:net';
import { ConfigError, env, loadConfig, type ConfigOf } from '@herald/platform';
import { loadUserServiceConfig } from '@herald/user-service';
import { readSendApiKeys, type SendApiKey } from '@herald/notification-service';

type Source = Record<string, string | undefined>;
type Read<T> = (source: Source) => { ok: true; value: T } | { ok: false; problem: string };

export { MIN_API_KEY_LENGTH, type SendApiKey } from '@herald/notification-service';

/** What may be logged of a key: `hk_…abcd`. Never more than its last four characters. */
export function maskKey(key: string): string {
  return `${key.startsWith('hk_') ? 'hk_' : ''}…${key.slice(-4)}`;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An address to bind: an IPv4/IPv6 literal or a host name (no scheme, port or brackets). */
const bindAddress = (name: string, fallback: string): Read<string> => (source) => {
  const raw = source[name] || fallback;
  return isIP(raw) !== 0 || HOST_NAME.test(raw)
    ? { ok: true, value: raw }
    : { ok: false, problem: `${name}=${JSON.stringify(raw)} is not an IP address or host name to bind (such as 127.0.0.1 or 0.0.0.0)` };
};

/**
 * ACCESS_TOKEN_TTL_SECONDS read by user-service's own config (its default and its bounds), given
 * that one variable only, so the embedded mode cannot drift from the real deployment.
 */
const userServiceSetting = (
  name: 'ACCESS_TOKEN_TTL_SECONDS' | 'REFRESH_TOKEN_TTL_SECONDS' | 'REFRESH_REUSE_GRACE_SECONDS',
  field: 'accessTokenTtlSeconds' | 'refreshTokenTtlSeconds' | 'refreshReuseGraceSeconds',
): Read<number> => (source) => {
  try {
    return { ok: true, value: loadUserServiceConfig({ [name]: source[name] })[field] };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, problem: err.problems.join('; ') };
    throw err;
  }
};
const accessTokenTtl = userServiceSetting('ACCESS_TOKEN_TTL_SECONDS', 'accessTokenTtlSeconds');
const refreshTokenTtl = userServiceSetting('REFRESH_TOKEN_TTL_SECONDS', 'refreshTokenTtlSeconds');
const refreshReuseGrace = userServiceSetting('REFRESH_REUSE_GRACE_SECONDS', 'refreshReuseGraceSeconds');

/** As notification-service reads it (readSendApiKeys): strictly, naming the entry, never echoing a key. */
const sendApiKeyList = (name: string): Read<SendApiKey[] | undefined> => (source) => {
  const raw = source[name];
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  const { keys, problems } = readSendApiKeys(raw);
  return problems.length ? { ok: false, problem: `${name}: ${problems.join('; ')} (format: name:key[:scopes], comma-separated)` } : { ok: true, value: keys };
};

/**
 * The embedded mode's own settings (`npm start`). Every bad value is reported by name at once and
 * stops start-up, as in every service. The channel and gateway settings are read by their modules.
 */
export const embeddedConfigSpec = {
  port: env.port('PORT', 3000),
  /** Loopback unless told otherwise: the embedded mode is a development tool, not a deployment. */
  host: bindAddress('HOST', '127.0.0.1'),
  dataDir: env.string('HERALD_DATA_DIR', './.herald'),
  /** As user-service reads it: 900 (15 minutes) unless set. */
  accessTokenTtlSeconds: accessTokenTtl,
  /** As user-service reads it: 30 days unless set. */
  refreshTokenTtlSeconds: refreshTokenTtl,
  /** As user-service reads it: 10 unless set (0 turns the grace off). */
  refreshReuseGraceSeconds: refreshReuseGrace,
  /** undefined: one key with every scope is generated and kept in HERALD_DATA_DIR/keys/send-api-key. */
  sendApiKeys: sendApiKeyList('SEND_API_KEYS'),
};

export type EmbeddedConfig = ConfigOf<typeof embeddedConfigSpec>;

export function readEmbeddedConfig(source: Source = process.env): EmbeddedConfig {
  return loadConfig(embeddedConfigSpec, source);
}
