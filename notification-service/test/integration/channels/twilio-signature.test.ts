import { describe, expect, it } from 'vitest';
import { twilioSignature, verifyTwilioSignature } from '../../../src/adapters/channels/twilio-signature.js';

// Twilio's documented example: auth token 12345, this URL and these POST parameters.
const AUTH_TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };
const DOCUMENTED = 'GvWf1cFY/Q7PnoempGyD5oXAezc=';

describe('Twilio request signatures', () => {
  it('matches the signatures in Twilio’s documentation', () => {
    expect(twilioSignature(AUTH_TOKEN, URL_, PARAMS)).toBe(DOCUMENTED);
    // The older edition of the same example (caller +14158675309).
    const older = { ...PARAMS, Caller: '+14158675309', From: '+14158675309' };
    expect(twilioSignature(AUTH_TOKEN, URL_, older)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('accepts a genuine request whatever order its parameters came in', () => {
    const shuffled = Object.fromEntries(Object.entries(PARAMS).reverse());
    expect(verifyTwilioSignature(AUTH_TOKEN, DOCUMENTED, URL_, shuffled)).toBe(true);
  });

  it('rejects a tampered parameter, URL, token or signature, and a missing one', () => {
    expect(verifyTwilioSignature(AUTH_TOKEN, DOCUMENTED, URL_, { ...PARAMS, Digits: '1235' })).toBe(false);
    expect(verifyTwilioSignature(AUTH_TOKEN, DOCUMENTED, URL_, { ...PARAMS, Extra: '' })).toBe(false);
    expect(verifyTwilioSignature(AUTH_TOKEN, DOCUMENTED, 'https://mycompany.com/myapp.php?foo=1&bar=3', PARAMS)).toBe(false);
    expect(verifyTwilioSignature('54321', DOCUMENTED, URL_, PARAMS)).toBe(false);
    expect(verifyTwilioSignature(AUTH_TOKEN, 'GvWf1cFY/Q7PnoempGyD5oXAezd=', URL_, PARAMS)).toBe(false);
    expect(verifyTwilioSignature(AUTH_TOKEN, 'short', URL_, PARAMS)).toBe(false);
    expect(verifyTwilioSignature(AUTH_TOKEN, undefined, URL_, PARAMS)).toBe(false);
  });

  it('accepts the URL signed with or without the default port, but not another port', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    expect(verifyTwilioSignature(AUTH_TOKEN, DOCUMENTED, withPort, PARAMS)).toBe(true);
    expect(verifyTwilioSignature(AUTH_TOKEN, twilioSignature(AUTH_TOKEN, withPort, PARAMS), URL_, PARAMS)).toBe(true);
    expect(verifyTwilioSignature(AUTH_TOKEN, DOCUMENTED, 'https://mycompany.com:8443/myapp.php?foo=1&bar=2', PARAMS)).toBe(false);
  });

  it('signs a repeated parameter with each of its values, sorted', () => {
    const sig = twilioSignature('t', 'https://h.test/cb', { MediaUrl: ['b', 'a'] });
    expect(sig).toBe(twilioSignature('t', 'https://h.test/cb', { MediaUrl: ['a', 'b'] }));
    expect(verifyTwilioSignature('t', sig, 'https://h.test/cb', { MediaUrl: ['a', 'b'] })).toBe(true);
    expect(verifyTwilioSignature('t', sig, 'https://h.test/cb', { MediaUrl: ['a'] })).toBe(false);
  });
});
