import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * What the generic per-route histogram cannot show for a proxy (every proxied call is one route,
 * `/api/v1/*`): latency and status per upstream, refusals per limit, open tunnels.
 */
export interface GatewayMetrics {
  upstreamDuration: Histogram<'upstream' | 'method' | 'status_code'>;
  rateLimited: Counter<'scope'>;
  websockets: Gauge;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const rateLimited = new Counter({
    name: 'gateway_rate_limited_total',
    help: 'Requests refused with 429, by limit',
    labelNames: ['scope'],
    registers: [registry],
  });
  // Series start at zero so a dashboard shows "none yet" rather than "no data".
  for (const scope of ['ip', 'user', 'auth']) rateLimited.inc({ scope }, 0);
  return {
    upstreamDuration: new Histogram({
      name: 'gateway_upstream_request_duration_seconds',
      help: 'Proxied request duration by owning service and status',
      labelNames: ['upstream', 'method', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rateLimited,
    websockets: new Gauge({ name: 'gateway_websocket_tunnels', help: 'Open WebSocket tunnels to notification-service', registers: [registry] }),
  };
}
