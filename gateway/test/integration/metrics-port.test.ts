import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@herald/platform';
import { DEFAULT_METRICS_PORT, readGatewayConfig, repoRoot } from '../../src/config.js';
import type { Gateway } from '../../src/gateway.js';
import { bearer, buildGateway, tokenFor } from '../support/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../support/upstreams.js';

// Finding: /metrics was served on the gateway's public port, so anyone could read the route table,
// upstream latencies, refusal counts and the number of open sockets. Now the public port has no
// /metrics at all; it is served on METRICS_PORT, which deployments do not publish.
describe('/metrics off the public port', () => {
  let upstream: EchoUpstream;
  let gateway: Gateway;
  let publicBase: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream('any-service');
    gateway = await buildGateway({ USER_SERVICE_URL: upstream.url, POST_SERVICE_URL: upstream.url, NOTIFICATION_SERVICE_URL: upstream.url, READY_CHECKS_UPSTREAMS: 'false' });
    publicBase = await gateway.start({ port: 0, host: '127.0.0.1' });
    // Something to count.
    await fetch(`${publicBase}/api/v1/users/me`, { headers: bearer(tokenFor()) });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it.each([
    ['GET', '/metrics'],
    ['HEAD', '/metrics'],
    ['GET', '/metrics?format=text'],
    ['GET', '/metrics/'],
    ['GET', '/METRICS'],
  ])('answers %s %s on the public port with a 404 and no series', async (method, url) => {
    const res = await fetch(`${publicBase}${url}`, { method, headers: { accept: 'text/plain, */*' } });
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain('gateway_');
    expect(body).not.toContain('process_cpu');
    if (method === 'GET') expect(JSON.parse(body).error.code).toBe('route_not_found');
  });

  it('refuses /metrics on the public port even with credentials', async () => {
    const res = await fetch(`${publicBase}/metrics`, { headers: { ...bearer(tokenFor()), 'x-api-key': 'hk_operator' } });
    expect(res.status).toBe(404);
  });

  it('serves the Prometheus text on the metrics port, with the gateway series and no personal caching', async () => {
    expect(gateway.metricsUrl).toBeDefined();
    expect(new URL(gateway.metricsUrl!).port).not.toBe(new URL(publicBase).port);
    const res = await fetch(`${gateway.metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text).toMatch(/gateway_upstream_request_duration_seconds_count\{[^}]*upstream="user-service"/);
    expect(text).toContain('gateway_websocket_tunnels');
  });

  it('serves nothing else on the metrics port: not the API, not the demo, not health', async () => {
    for (const url of ['/', '/api/v1/users/me', '/healthz', '/docs']) {
      const res = await fetch(`${gateway.metricsUrl}${url}`, { headers: bearer(tokenFor()) });
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('route_not_found');
    }
    expect((await fetch(`${gateway.metricsUrl}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('closes the metrics listener with the gateway', async () => {
    const other = await buildGateway({ READY_CHECKS_UPSTREAMS: 'false' });
    await other.start({ port: 0, host: '127.0.0.1' });
    const url = other.metricsUrl!;
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
  });

  it('keeps serving the public port when the metrics port is taken (metrics are not worth an outage)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const other = await buildGateway({ READY_CHECKS_UPSTREAMS: 'false', METRICS_PORT: String(taken), METRICS_HOST: '127.0.0.1' });
    try {
      const base = await other.start({ port: 0, host: '127.0.0.1' });
      expect(other.metricsUrl).toBeUndefined();
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await other.close();
      blocker.close();
    }
  });
});

describe('METRICS_PORT and METRICS_HOST', () => {
  it('default to 9464 beside the public port, and to any free port when PORT is 0', () => {
    expect(DEFAULT_METRICS_PORT).toBe(9464);
    expect(readGatewayConfig({}).metricsPort).toBe(9464);
    expect(readGatewayConfig({ PORT: '8080' }).metricsPort).toBe(9464);
    expect(readGatewayConfig({ PORT: '0' }).metricsPort).toBe(0);
    expect(readGatewayConfig({ METRICS_PORT: '9100' }).metricsPort).toBe(9100);
    expect(readGatewayConfig({}).metricsHost).toBeUndefined();
    expect(readGatewayConfig({ METRICS_HOST: '10.0.0.5' }).metricsHost).toBe('10.0.0.5');
  });

  it('can be switched off', () => {
    for (const off of ['off', 'OFF', 'none', 'false']) expect(readGatewayConfig({ METRICS_PORT: off }).metricsPort).toBeNull();
  });

  it.each([
    [{ METRICS_PORT: '3000' }, /METRICS_PORT=3000 is the public PORT/],
    [{ PORT: '8080', METRICS_PORT: '8080' }, /METRICS_PORT=8080 is the public PORT/],
    [{ METRICS_PORT: '70000' }, /METRICS_PORT="70000" is not a port number/],
    [{ METRICS_PORT: 'nine' }, /METRICS_PORT="nine" is not a port number/],
  ])('refuses %j', (env, problem) => {
    let error: unknown;
    try {
      readGatewayConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toMatch(problem);
  });
});

describe('deployments scrape the metrics port, and publish only the public one', () => {
  const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Doc = any;

  it('k8s: METRICS_PORT, the container port "metrics" and the Prometheus annotation agree; Service and Ingress stay on http', () => {
    const docs: Doc[] = parseAllDocuments(read('k8s/base/gateway.yaml')).map((d) => d.toJS());
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const container = deployment.spec.template.spec.containers.find((c: Doc) => c.name === 'gateway');
    const env = Object.fromEntries(container.env.filter((e: Doc) => 'value' in e).map((e: Doc) => [e.name, e.value]));
    const config = readGatewayConfig({ ...env, JWT_PUBLIC_KEY: 'unused' });
    expect(config.metricsPort).not.toBeNull();
    expect(config.metricsPort).not.toBe(config.port);
    const ports = Object.fromEntries(container.ports.map((p: Doc) => [p.name, p.containerPort]));
    expect(ports).toEqual({ http: config.port, metrics: config.metricsPort });
    const annotations = deployment.spec.template.metadata.annotations;
    expect(annotations['prometheus.io/port']).toBe(String(config.metricsPort));
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    // Probes stay on the public port (/healthz, /readyz live there).
    expect(container.readinessProbe.httpGet.port).toBe('http');
    const service = docs.find((d) => d.kind === 'Service');
    expect(service.spec.ports.map((p: Doc) => p.targetPort)).toEqual(['http']);
    const ingress = docs.find((d) => d.kind === 'Ingress');
    const backends = ingress.spec.rules.flatMap((r: Doc) => r.http.paths.map((p: Doc) => p.backend.service.port));
    expect(backends).toEqual([{ name: 'http' }]);
  });

  it('compose: the gateway sets METRICS_PORT and publishes only its public port', () => {
    const gateway = parse(read('docker-compose.yml')).services.gateway;
    const config = readGatewayConfig({ PORT: gateway.environment.PORT, METRICS_PORT: gateway.environment.METRICS_PORT });
    expect(config.metricsPort).toBe(9464);
    expect(gateway.ports).toHaveLength(1);
    expect(String(gateway.ports[0]).endsWith(`:${config.port}`)).toBe(true);
    expect(gateway.ports.join(' ')).not.toContain(String(config.metricsPort));
  });
});
