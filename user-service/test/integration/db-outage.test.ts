import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseOutage, waitFor, watchProcessFailures } from '@herald/platform/testing';
import { bearer, signUp, startTestService, type TestService } from '../support/test-service.js';

/**
 * A managed-database failover (every connection terminated repeatedly, new ones refused) for a few
 * seconds: user-service keeps running, answers 503 rather than 500, says so on /readyz, and
 * registers users again once the database is back.
 */
const CUT_MS = 2000;

interface Answer {
  status: number;
  body: string;
}

interface Request {
  method?: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: object;
}

describe('user-service when PostgreSQL drops every connection', () => {
  let t: TestService;
  let watch: ReturnType<typeof watchProcessFailures>;

  beforeAll(async () => {
    t = await startTestService();
    watch = watchProcessFailures();
  });
  afterAll(async () => {
    watch?.stop();
    await t?.close();
  });

  const call = async (opts: Request): Promise<Answer> => {
    const res = await t.app.inject(opts);
    return { status: res.statusCode, body: res.body };
  };
  let n = 0;
  const register = () => {
    n++;
    return call({ method: 'POST', url: '/api/v1/auth/register', payload: { username: `cut_${n}`, email: `cut_${n}@example.com`, password: 'cut-password' } });
  };

  it('answers 503 during the cut, names postgres on /readyz, and registers users again once it is back', async () => {
    const ana = await signUp(t.app, { username: 'ana_cut', email: 'ana_cut@example.com', password: 'ana-password' });

    const outage = await DatabaseOutage.begin(t.db.name);
    const answers: Array<Answer & { ok: number }> = [];
    const readiness: Answer[] = [];
    try {
      await waitFor(async () => (await call({ url: '/readyz' })).status === 503, '/readyz to notice the cut', 10_000);
      const until = Date.now() + CUT_MS;
      while (Date.now() < until) {
        answers.push({ ...(await register()), ok: 201 });
        answers.push({ ...(await call({ url: '/api/v1/users/me', headers: bearer(ana.accessToken) })), ok: 200 });
        answers.push({ ...(await call({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'ana_cut', password: 'ana-password' } })), ok: 200 });
        readiness.push(await call({ url: '/readyz' }));
      }
    } finally {
      await outage.end();
    }

    expect(outage.terminated).toBeGreaterThan(0);
    for (const a of answers) {
      expect([a.ok, 503], a.body).toContain(a.status);
      if (a.status === 503) expect(JSON.parse(a.body)).toEqual({ error: { code: 'database_unavailable', message: expect.any(String) } });
    }
    expect(answers.some((a) => a.status === 503)).toBe(true);
    for (const r of readiness) {
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).error.message).toContain('postgres');
    }

    await waitFor(async () => (await register()).status === 201, 'a registration to succeed after the cut', 20_000);
    await waitFor(async () => (await call({ url: '/readyz' })).status === 200, '/readyz to recover', 20_000);
    expect(watch.failures).toEqual([]);
  });
});
