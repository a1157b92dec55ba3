import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createHttpApp } from '../src/http.js';
import { createMetricsRegistry } from '../src/metrics.js';

const logger = pino({ level: 'silent' });

describe('herald_dependency_up', () => {
  it('reports each readiness probe at scrape time: 1 passing, 0 failing, and follows a recovery', async () => {
    const registry = createMetricsRegistry('probe-test');
    let postgresUp = false;
    const app = await createHttpApp({
      service: 'probe-test',
      logger,
      registry,
      readiness: {
        postgres: async () => {
          if (!postgresUp) throw new Error('connection refused');
        },
        bus: async () => undefined,
      },
    });
    const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
    try {
      let text = await scrape();
      expect(text).toContain('# TYPE herald_dependency_up gauge');
      expect(text).toContain('herald_dependency_up{dependency="postgres",service="probe-test"} 0');
      expect(text).toContain('herald_dependency_up{dependency="bus",service="probe-test"} 1');
      postgresUp = true;
      text = await scrape();
      expect(text).toContain('herald_dependency_up{dependency="postgres",service="probe-test"} 1');
    } finally {
      await app.close();
    }
  });

  it('is not registered by a service without readiness probes', async () => {
    const registry = createMetricsRegistry('no-probes');
    const app = await createHttpApp({ service: 'no-probes', logger, registry });
    try {
      expect(registry.getSingleMetric('herald_dependency_up')).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
