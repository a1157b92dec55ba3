import { createHmac, timingSafeEqual } from 'node:crypto';

/** Form parameters as Twilio posted them; a repeated key carries every value. */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * The X-Twilio-Signature Twilio puts on its webhooks (status callbacks): HMAC-SHA1, keyed with the
 * auth token, over the full URL Twilio requested followed by each POST parameter as key+value,
 * keys sorted; base64.
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams = {}): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    const values = typeof value === 'string' ? [value] : [...(value ?? [])].sort();
    for (const v of values) data += key + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * True when `signature` is Twilio's for this request. Twilio may have signed the URL with or
 * without the scheme's default port (a proxy in front of us can add or drop it), so both forms are
 * accepted, as Twilio's own helpers do.
 */
export function verifyTwilioSignature(authToken: string, signature: string | undefined, url: string, params: TwilioParams = {}): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature);
  let valid = false;
  for (const candidate of urlVariants(url)) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params));
    // Checked for every variant (no early exit) so timing does not reveal which form matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The URL as given plus the same URL with the default port added or removed; nothing else changes. */
function urlVariants(url: string): string[] {
  const match = /^(https?:)\/\/([^/?#@]*@)?([^/?#:]+|\[[^\]]+\])(:\d+)?(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = '', userinfo = '', host = '', port, rest = ''] = match;
  const defaultPort = DEFAULT_PORT[scheme.toLowerCase()];
  if (port === undefined) return [url, `${scheme}//${userinfo}${host}:${defaultPort}${rest}`];
  if (port === `:${defaultPort}`) return [url, `${scheme}//${userinfo}${host}${rest}`];
  return [url];
}
