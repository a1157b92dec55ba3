import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { LiveClient } from '../support/ws-client.js';

type Tokens = { accessToken: string; refreshToken: string; expiresIn: number };

// The session lifecycle as a client sees it through the gateway: refresh rotates, logout and a
// password change end sessions, and their live sockets close with 4401 at once.
describe('sessions through the gateway (embedded)', () => {
  let herald: Herald;
  let dataDir: string;
  const sockets: LiveClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-sessions-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }), env: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
  }, 120_000);

  afterAll(async () => {
    try {
      for (const socket of sockets) socket.close();
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const live = async (token: string) => {
    const socket = await LiveClient.connect(herald.url, token);
    sockets.push(socket);
    return socket;
  };
  const closedWith = (socket: LiveClient, ms = 5_000) => Promise.race([socket.closed, sleep(ms).then(() => 'still open')]);

  it('refresh, logout, password change and logout everywhere, each closing exactly the right sockets', async () => {
    const api = apiClient(herald.url);
    const name = uniqueName('ana');
    const registered = (await api.register(name)) as unknown as Tokens;
    expect(registered.refreshToken).toMatch(/^hrt_/);
    const login = async (password = 'correct horse battery') => api.call<Tokens>('POST', '/api/v1/auth/login', { login: name, password });
    const laptop = (await login()).body;

    const onPhone = await live(registered.accessToken);
    const onLaptop = await live(laptop.accessToken);

    // Rotation: the new pair works, the old refresh token is used up.
    const rotated = await api.call<Tokens>('POST', '/api/v1/auth/refresh', { refreshToken: laptop.refreshToken });
    expect(rotated.status).toBe(200);
    const onLaptopAgain = await live(rotated.body.accessToken);
    const reused = await api.call('POST', '/api/v1/auth/refresh', { refreshToken: laptop.refreshToken });
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('refresh_token_reused');
    // Reuse ended the laptop's session: both of its sockets close, the phone's stays.
    expect(await closedWith(onLaptop)).toBe(4401);
    expect(await closedWith(onLaptopAgain)).toBe(4401);
    expect(await closedWith(onPhone, 300)).toBe('still open');

    // Password change from the phone: the tablet's session ends, the phone's stays.
    const tablet = (await login()).body;
    const onTablet = await live(tablet.accessToken);
    const changed = await api.call('POST', '/api/v1/auth/password', { currentPassword: 'correct horse battery', newPassword: 'a brand new passphrase' }, registered.accessToken);
    expect(changed.status).toBe(204);
    expect(await closedWith(onTablet)).toBe(4401);
    expect(await closedWith(onPhone, 300)).toBe('still open');
    expect((await login()).status).toBe(401);

    // Logout of one session with only its refresh token, then everywhere.
    const desk = (await login('a brand new passphrase')).body;
    const onDesk = await live(desk.accessToken);
    expect((await api.call('POST', '/api/v1/auth/logout', { refreshToken: desk.refreshToken })).status).toBe(204);
    expect(await closedWith(onDesk)).toBe(4401);
    expect((await api.call('POST', '/api/v1/auth/refresh', { refreshToken: desk.refreshToken })).status).toBe(401);

    expect((await api.call('POST', '/api/v1/auth/logout-all', undefined, registered.accessToken)).status).toBe(204);
    expect(await closedWith(onPhone)).toBe(4401);
    expect((await api.call('POST', '/api/v1/auth/refresh', { refreshToken: registered.refreshToken })).status).toBe(401);
  });
});
