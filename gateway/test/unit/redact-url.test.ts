import { describe, expect, it } from 'vitest';
import { redactUrl } from '@herald/platform';

// The request serializer of every service's logger (packages/platform/src/logger.ts) runs URLs
// through this: a WebSocket client's ?token=<jwt> must never reach a log line.
describe('redactUrl', () => {
  it.each([
    ['/ws?token=eyJ.a.b', '/ws?token=[redacted]'],
    ['/ws?resume=01&token=eyJ.a.b&x=1', '/ws?resume=01&token=[redacted]&x=1'],
    ['/ws?TOKEN=abc', '/ws?TOKEN=[redacted]'],
    ['/cb?access_token=abc#frag', '/cb?access_token=[redacted]#frag'],
    ['/ws?token=a&token=b', '/ws?token=[redacted]&token=[redacted]'],
    ['/ws?token=', '/ws?token=[redacted]'],
  ])('%s → %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it.each(['/api/v1/posts', '/api/v1/users?query=token', '/ws?mytoken=abc', '/t/c/eyJ.token.sig', '/search?q=a&tokens=2'])('leaves %s alone', (url) => {
    expect(redactUrl(url)).toBe(url);
  });
});
