import { Registry, collectDefaultMetrics, Gauge, Histogram } from 'prom-client';

/** A registry per service (not the global one) so several services can share one process. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status_code'> {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/**
 * `herald_dependency_up{dependency}`: 1 while that dependency's readiness probe (the ones /readyz
 * runs: postgres, the broker, redis) passes, 0 while it fails. Probed when scraped, so a PostgreSQL
 * or broker outage shows within one scrape interval, from every instance that depends on it.
 */
export function dependencyUpGauge(registry: Registry, dependencies: readonly string[], failing: () => Promise<Record<string, unknown>>): void {
  if (dependencies.length === 0 || registry.getSingleMetric('herald_dependency_up')) return;
  new Gauge({
    name: 'herald_dependency_up',
    help: 'Whether the readiness probe of each dependency passes (1) or fails (0), probed at scrape time',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      const down = await failing().catch(() => Object.fromEntries(dependencies.map((d) => [d, 'probe failed'])));
      for (const dependency of dependencies) this.set({ dependency }, dependency in down ? 0 : 1);
    },
  });
}
