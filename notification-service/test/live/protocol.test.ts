import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@herald/platform';
import { DEFAULT_LIVE_OPTIONS, liveEnvSpec, liveOptionsFromConfig, resolveLiveOptions } from '../../src/live/options.js';
import { parseClientFrame } from '../../src/live/protocol.js';

const frame = (value: unknown) => parseClientFrame(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), false, 3);

describe('parseClientFrame', () => {
  it('accepts the three client frames, normalising ids', () => {
    expect(frame({ type: 'ping' })).toEqual({ ok: true, frame: { type: 'ping' } });
    const id = '0190A1B2-0000-7000-8000-000000000001';
    expect(frame({ type: 'resume', after: id })).toEqual({ ok: true, frame: { type: 'resume', after: id.toLowerCase() } });
    expect(frame({ type: 'read', ids: [id, id.toLowerCase()] })).toEqual({ ok: true, frame: { type: 'read', ids: [id.toLowerCase()] } });
  });

  it.each([
    ['not JSON', '{', 'invalid_json'],
    ['a JSON string', '"ping"', 'invalid_frame'],
    ['null', 'null', 'invalid_frame'],
    ['an array', '[]', 'invalid_frame'],
    ['no type', {}, 'unknown_type'],
    ['a resume without after', { type: 'resume' }, 'invalid_resume'],
    ['a resume after a number', { type: 'resume', after: 5 }, 'invalid_resume'],
    ['read ids over the limit', { type: 'read', ids: Array(4).fill('0190a1b2-0000-7000-8000-000000000001') }, 'invalid_request'],
  ])('refuses %s', (_name, value, code) => {
    expect(frame(value)).toMatchObject({ ok: false, code });
  });
});

describe('live options', () => {
  it('defaults to the documented limits', () => {
    expect(resolveLiveOptions()).toMatchObject({ maxFrameBytes: 16_384, maxBufferedBytes: 1_048_576, heartbeatMs: 30_000, maxSessionsPerUser: 20, presenceRefreshMs: 10_000 });
    expect(() => resolveLiveOptions({ heartbeatMs: 0 })).toThrow(/heartbeatMs/);
  });

  it('reads the environment, naming a bad variable, and refuses an expiry a refresh cannot beat', () => {
    expect(liveOptionsFromConfig(loadConfig(liveEnvSpec, {}))).toEqual(DEFAULT_LIVE_OPTIONS);
    expect(liveOptionsFromConfig(loadConfig(liveEnvSpec, { WS_MAX_BUFFERED_BYTES: '65536' })).maxBufferedBytes).toBe(65_536);
    expect(() => loadConfig(liveEnvSpec, { WS_HEARTBEAT_MS: 'often' })).toThrow(ConfigError);
    expect(() => loadConfig(liveEnvSpec, { WS_HEARTBEAT_MS: 'often' })).toThrow(/WS_HEARTBEAT_MS/);
    expect(() => liveOptionsFromConfig(loadConfig(liveEnvSpec, { PRESENCE_TTL_MS: '5000', PRESENCE_REFRESH_MS: '5000' }))).toThrow(/PRESENCE_TTL_MS/);
  });
});
