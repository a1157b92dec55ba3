/**
 * The monitoring files checked without Prometheus, Grafana or a cluster: monitoring/ (Prometheus
 * config, alert rules, Grafana provisioning and dashboard), the compose services that run them, and
 * k8s/monitoring (PodMonitors, the PrometheusRule, socket autoscaling). Every PromQL expression may
 * only name series Herald really exports (read from the /metrics text of the embedded stack, started
 * in this process) or RabbitMQ's plugin exports (a vendored list). With promtool on the PATH (Debian
 * package `prometheus`), the rules, the config and every dashboard expression also go through it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { Registry } from 'prom-client';
import { MemoryEventBus } from '@herald/platform';
import { type Compose, composeEnvironment, type K8sObject, loadKustomization, readYaml, ROOT, SERVICES } from './support/manifests.js';
import { exposedSeriesNames, promqlNames } from './support/promql.js';
import { kubernetesValidator } from './support/schemas.js';

// Every registry the embedded stack creates (one per service), to read its exposition text.
const registries = vi.hoisted(() => [] as Registry[]);
vi.mock('@herald/platform', async (importOriginal) => {
  const platform = await importOriginal<typeof import('@herald/platform')>();
  return {
    ...platform,
    createMetricsRegistry: (service: string) => {
      const registry = platform.createMetricsRegistry(service);
      registries.push(registry);
      return registry;
    },
  };
});

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const DASHBOARD_FILE = 'monitoring/grafana/dashboards/herald.json';
const ALERTS_FILE = 'monitoring/prometheus/alerts.yml';
const PROMETHEUS_FILE = 'monitoring/prometheus/prometheus.yml';

interface Target { refId: string; expr: string; legendFormat?: string; datasource?: { type: string; uid: string } }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: Target[]; datasource?: { type: string; uid: string }; fieldConfig?: { defaults?: { unit?: string } } }
interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface RuleGroup { name: string; rules: Rule[] }

const dashboard = JSON.parse(read(DASHBOARD_FILE)) as { uid: string; title: string; panels: Panel[] };
const graphs = dashboard.panels.filter((p) => p.type !== 'row');
const alerts = parse(read(ALERTS_FILE)) as { groups: RuleGroup[] };
const rules = alerts.groups.flatMap((g) => g.rules);
const prometheus = parse(read(PROMETHEUS_FILE)) as {
  rule_files: string[];
  scrape_configs: { job_name: string; metrics_path?: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; type: string; port: number }[] }[];
};

/** Series Prometheus itself writes for every target, beside what the target exposes. */
const PROMETHEUS_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'];
const RABBITMQ_SERIES = read('test/deploy/schemas/rabbitmq-prometheus-metrics.txt').split('\n').filter((l) => l && !l.startsWith('#'));

/** Every PromQL expression of the dashboard and the rules, with where it is. */
const expressions = (board: { panels: Panel[] }, ruleList: Rule[]) => [
  ...board.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr }))),
  ...ruleList.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })),
];

/** Names that are not exported, and expressions the lexer refuses, over a dashboard and rules. */
function unknownSeries(exported: ReadonlySet<string>, board: { panels: Panel[] }, ruleList: Rule[]): string[] {
  return expressions(board, ruleList).flatMap(({ where, expr }) => {
    const { names, problems } = promqlNames(expr);
    return [...problems.map((p) => `${where}: ${p}`), ...names.filter((n) => !exported.has(n)).map((n) => `${where}: ${n} is exported by nothing`)];
  });
}

describe('promqlNames', () => {
  it('finds series names and nothing else', () => {
    expect(promqlNames('sum by (le, stage) (rate(foo_bucket{stage=~"a|b", x="by (y)"}[$__rate_interval]))').names).toEqual(['foo_bucket']);
    expect(promqlNames('a / on (x) group_left (y) b > 0.05 and c offset 5m or up{job="q"} == 0').names).toEqual(['a', 'b', 'c', 'up']);
    expect(promqlNames('histogram_quantile(0.99, sum without (pod) (rate({__name__="d_bucket"}[5m]))) > 2e3').names).toEqual(['d_bucket']);
    expect(promqlNames('max(delta(e[15m])) > 10 unless count(f) by (g)').names).toEqual(['e', 'f']);
  });

  it('refuses functions PromQL does not have and unbalanced brackets', () => {
    expect(promqlNames('rates(x[5m])').problems).toEqual(['unknown function rates()']);
    expect(promqlNames('sum(x{a="b"})').problems).toEqual([]);
    expect(promqlNames('x{a="b"').problems).toEqual(['unbalanced {']);
  });
});

describe('series the dashboard and the alerts name', () => {
  const exported = new Set<string>([...PROMETHEUS_SERIES, ...RABBITMQ_SERIES]);
  let close: (() => Promise<void>) | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'herald-monitoring-'));

  beforeAll(async () => {
    // Herald as `npm start` runs it, in this process: every service's registry, default metrics included.
    const { startHerald } = await import('../../embedded/herald.js');
    const { pino } = await import('pino');
    const herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    close = herald.close;
    expect(registries.length).toBe(4);
    for (const registry of registries) for (const name of exposedSeriesNames(await registry.metrics())) exported.add(name);
    // The embedded in-memory bus keeps its counters private; the AMQP bus of a deployed service
    // reports the same BusMetrics into the service's registry.
    const { Registry: PromRegistry } = await import('prom-client');
    const busRegistry = new PromRegistry();
    const bus = new MemoryEventBus({ exchange: 'monitoring.test', registry: busRegistry });
    await bus.subscribe({ queue: 'monitoring.test', bindings: ['#'] }, async () => undefined);
    for (const name of exposedSeriesNames(await busRegistry.metrics())) exported.add(name);
    await bus.close();
  }, 120_000);

  afterAll(async () => {
    await close?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists every metric the sources register (so nothing registered only outside the embedded stack is missed)', () => {
    const registered = new Set<string>();
    const files = spawnSync('git', ['ls-files', '*/src/*.ts', 'packages/*/src/*.ts'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const file of files) {
      const source = read(file);
      if (!source.includes("from 'prom-client'")) continue;
      for (const m of source.matchAll(/(?:\bname:\s*|\b(?:counter|labelled)\(\s*)'([a-z_:][a-z0-9_:]*)'/g)) registered.add(m[1]!);
    }
    expect(registered.size).toBeGreaterThan(30);
    expect([...registered].filter((n) => !exported.has(n))).toEqual([]);
  });

  it('names only exported series in every dashboard query and alert rule', () => {
    expect(unknownSeries(exported, dashboard, rules)).toEqual([]);
  });

  it('fails on a series nobody exports (a copy of the dashboard and of the rules with one)', () => {
    const board = structuredClone(dashboard);
    board.panels.find((p) => p.targets?.length)!.targets![0]!.expr = 'sum(rate(herald_frames_teleported_total[5m]))';
    const ruleList = structuredClone(rules);
    ruleList[0]!.expr = 'rabbitmq_queue_messages_readyy > 0';
    expect(unknownSeries(exported, board, ruleList)).toEqual([
      `panel "${board.panels.find((p) => p.targets?.length)!.title}" A: herald_frames_teleported_total is exported by nothing`,
      `rule ${rules[0]!.alert}: rabbitmq_queue_messages_readyy is exported by nothing`,
    ]);
  });
});

describe('monitoring/grafana/dashboards/herald.json', () => {
  /** The panels the dashboard must have (title → series its queries must read). */
  const REQUIRED: Record<string, string[]> = {
    'Fan-out latency': ['notification_pipeline_stage_seconds_bucket'],
    'Frames per second': ['live_frames_sent_total'],
    'Sockets per instance': ['live_sockets'],
    'Queue depth': ['rabbitmq_queue_messages_ready'],
    'Oldest due delivery per channel': ['herald_channel_oldest_due_seconds'],
    'Dead letters': ['rabbitmq_queue_messages', 'herald_channel_dead_letters'],
    'Delivery outcomes by channel and provider': ['herald_channel_attempts_total'],
    'Breaker states': ['herald_channel_breaker_open'],
    'Request rate per route': ['http_request_duration_seconds_count'],
    '5xx ratio per route': ['http_request_duration_seconds_count'],
    'Latency p99 per route': ['http_request_duration_seconds_bucket'],
    'Event loop lag': ['nodejs_eventloop_lag_p99_seconds'],
  };

  it('parses, and has every required panel reading the series it is about', () => {
    expect(dashboard.uid).toBeTruthy();
    for (const [title, series] of Object.entries(REQUIRED)) {
      const panel = graphs.find((p) => p.title === title);
      expect(panel, title).toBeDefined();
      const read = new Set(panel!.targets!.flatMap((t) => promqlNames(t.expr).names));
      for (const name of series) expect([...read], `${title} reads ${name}`).toContain(name);
    }
  });

  it('groups per route, channel, provider and instance where the panel says so', () => {
    const exprOf = (title: string) => graphs.find((p) => p.title === title)!.targets!.map((t) => t.expr).join('\n');
    for (const title of ['Request rate per route', '5xx ratio per route', 'Latency p99 per route']) expect(exprOf(title)).toMatch(/by \([^)]*\broute\b/);
    expect(exprOf('Delivery outcomes by channel and provider')).toMatch(/by \(channel, provider, outcome\)/);
    expect(exprOf('Oldest due delivery per channel')).toMatch(/by \(channel\)/);
    expect(exprOf('Sockets per instance')).toMatch(/by \(instance\)/);
    expect(exprOf('Fan-out latency')).toMatch(/histogram_quantile\(0\.99,/);
  });

  it('lays its panels out on the 24-column grid without overlaps, each with a query, a legend and a unit', () => {
    const ids = new Set<number>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${panel.title} gridPos`).toBe(true);
      expect(ids.has(panel.id), `panel id ${panel.id} is unique`).toBe(false);
      ids.add(panel.id);
    }
    for (const [i, a] of dashboard.panels.entries()) {
      for (const b of dashboard.panels.slice(i + 1)) {
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false);
      }
    }
    for (const panel of graphs) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.legendFormat, `${panel.title} ${target.refId}`).toBeTruthy();
      expect(panel.fieldConfig?.defaults?.unit, panel.title).toBeTruthy();
    }
  });

  it('reads the data source Grafana is provisioned with', () => {
    const { datasources } = parse(read('monitoring/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; type: string; url: string }[] };
    expect(datasources).toHaveLength(1);
    const [source] = datasources;
    expect(new URL(source!.url).hostname).toBe('prometheus');
    for (const panel of graphs) {
      for (const ref of [panel.datasource, ...panel.targets!.map((t) => t.datasource)]) expect(ref, panel.title).toEqual({ type: source!.type, uid: source!.uid });
    }
  });
});

describe('monitoring/prometheus/alerts.yml', () => {
  /** One rule per failure the runbook covers. */
  const REQUIRED = [
    'HeraldServiceDown', 'HeraldPostgresDown', 'HeraldBrokerDown', 'HeraldHighErrorRate', 'HeraldEventsQueueStalled', 'HeraldFanoutSlow',
    'HeraldDeadLetterQueueGrowing', 'HeraldPresenceLookupsFailing', 'HeraldChannelDeliveriesStalled', 'HeraldFallbackTimersStalled',
    'HeraldChannelDeadLettersGrowing',
  ];
  const operations = read('docs/operations.md');
  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
  const anchors = new Set([...operations.matchAll(/^#+\s+(.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));

  it('has the rules people act on, each with for:, a severity, a summary, a description and a runbook section', () => {
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(REQUIRED));
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.expr, rule.alert).toBeTruthy();
      expect(rule.for, `${rule.alert} for:`).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], `${rule.alert} severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, `${rule.alert} summary`).toBeTruthy();
      expect(rule.annotations?.description, `${rule.alert} description`).toBeTruthy();
      const [file, anchor] = (rule.annotations?.runbook_url ?? '').split('#');
      expect(file, `${rule.alert} runbook file`).toBe('docs/operations.md');
      expect(anchors.has(anchor!), `${rule.alert}: docs/operations.md has no section #${anchor}`).toBe(true);
    }
  });

  it('is the rule file prometheus.yml loads', () => {
    expect(prometheus.rule_files).toEqual([path.basename(ALERTS_FILE)]);
  });

  it('is exactly the PrometheusRule in k8s/monitoring (node scripts/monitoring-rules.mjs regenerates it)', () => {
    const rule = parse(read('k8s/monitoring/prometheusrule.yaml')) as K8sObject;
    expect(rule.kind).toBe('PrometheusRule');
    expect(rule.spec.groups).toEqual(alerts.groups);
  });
});

describe.runIf(spawnSync('promtool', ['--version']).status === 0)('promtool', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'herald-promtool-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const promtool = (...args: string[]) => {
    const run = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };

  it('accepts the alert rules (check rules)', () => {
    const run = promtool('check', 'rules', ALERTS_FILE);
    expect(run.status, run.output).toBe(0);
  });

  it('accepts the Prometheus config and the rule file it names (check config)', () => {
    const run = promtool('check', 'config', PROMETHEUS_FILE);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('1 rule files found');
  });

  it('parses every dashboard query (as recording rules, Grafana variables replaced)', () => {
    const groups = [{ name: 'dashboard', rules: expressions(dashboard, []).map(({ expr }, i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll('$__rate_interval', '1m') })) }];
    const file = path.join(work, 'dashboard-queries.yml');
    writeFileSync(file, JSON.stringify({ groups }));
    const run = promtool('check', 'rules', file);
    expect(run.status, run.output).toBe(0);
  });

  it('refuses a broken expression (so the checks above can fail)', () => {
    const file = path.join(work, 'broken.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'sum(rate(up[5m])' }] }] }));
    expect(promtool('check', 'rules', file).status).not.toBe(0);
  });
});

describe('docker-compose.yml: prometheus and grafana', () => {
  const compose = readYaml('docker-compose.yml') as Compose & { services: Record<string, { command?: string[] }> };
  /** `./local/path:/container/path[:ro]` mounts of a service. */
  const binds = (service: string) =>
    (compose.services[service]!.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => ({ source: v.split(':')[0]!, target: v.split(':')[1]! }));

  it('runs Prometheus and Grafana from pinned image tags, their UIs on loopback only', () => {
    for (const name of ['prometheus', 'grafana']) {
      const service = compose.services[name]!;
      expect(service.image, name).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+$/);
      expect(service.ports?.every((p) => p.startsWith('127.0.0.1:')), name).toBe(true);
    }
  });

  it('mounts only files that exist, the config and rules where Prometheus reads them, the provisioning where Grafana does', () => {
    for (const name of ['rabbitmq', 'prometheus', 'grafana']) for (const { source } of binds(name)) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    const config = compose.services.prometheus!.command!.find((a) => a.startsWith('--config.file='))!.split('=')[1]!;
    const configDir = binds('prometheus').find((b) => config.startsWith(`${b.target}/`));
    expect(configDir && `./${path.join(configDir.source, path.basename(config))}`).toBe(`./${PROMETHEUS_FILE}`);
    expect(binds('grafana').find((b) => b.target === '/etc/grafana/provisioning')?.source).toBe('./monitoring/grafana/provisioning');
    const { providers } = parse(read('monitoring/grafana/provisioning/dashboards/herald.yml')) as { providers: { options: { path: string } }[] };
    expect(binds('grafana').find((b) => b.target === providers[0]!.options.path)?.source).toBe(`./${path.dirname(DASHBOARD_FILE)}`);
  });

  it.each(SERVICES)('scrapes %s on the port and path it serves /metrics on', (name) => {
    const env = composeEnvironment(compose.services[name]!);
    const port = Number(name === 'gateway' ? env.METRICS_PORT : env.PORT);
    expect(port).toBeGreaterThan(0);
    const job = prometheus.scrape_configs.find((j) => j.job_name === name);
    expect(job, `a scrape job named ${name}`).toBeDefined();
    expect(job!.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job!.dns_sd_configs).toEqual([expect.objectContaining({ names: [name], type: 'A', port })]);
  });

  it("enables RabbitMQ's Prometheus plugin and scrapes its per-queue endpoint", () => {
    const plugins = binds('rabbitmq').find((b) => b.target === '/etc/rabbitmq/enabled_plugins');
    expect(plugins).toBeDefined();
    expect(read(plugins!.source)).toMatch(/^\[[^\]]*\brabbitmq_prometheus\b[^\]]*\]\.\s*$/);
    const job = prometheus.scrape_configs.find((j) => j.job_name === 'rabbitmq')!;
    expect(job.static_configs).toEqual([{ targets: ['rabbitmq:15692'] }]);
    expect(job.metrics_path).toBe('/metrics/per-object');
  });
});

describe('k8s/monitoring', () => {
  const validate = kubernetesValidator();
  const withMonitoring = ['k8s/base', 'k8s/keda'].map((dir) => loadKustomization(dir, ['k8s/monitoring']));
  const podMonitors = parseAllDocuments(read('k8s/monitoring/podmonitors.yaml')).map((d) => d.toJS() as K8sObject);

  it.each(SERVICES)('scrapes every %s pod on the container port that serves /metrics, with the service name as job', (name) => {
    for (const variant of withMonitoring) {
      const monitors = variant.objects.filter((o) => o.kind === 'PodMonitor' && o.metadata.name === name);
      expect(monitors, variant.dir).toHaveLength(1);
      const { spec } = monitors[0]!;
      const deployment = variant.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
      const labels = deployment.spec.template.metadata.labels as Record<string, string>;
      for (const [k, v] of Object.entries(spec.selector.matchLabels as Record<string, string>)) expect(labels[k]).toBe(v);
      expect(labels[spec.jobLabel]).toBe(name);
      const [endpoint] = spec.podMetricsEndpoints;
      const container = deployment.spec.template.spec.containers[0];
      const port = container.ports.find((p: { name: string }) => p.name === endpoint.port);
      expect(port, `${name} has a container port named ${endpoint.port}`).toBeDefined();
      const env = Object.fromEntries(container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
      expect(port.containerPort).toBe(name === 'gateway' ? Number(env.METRICS_PORT ?? 9464) : Number(env.PORT));
      expect(endpoint.path).toBe('/metrics');
    }
  });

  it('is validated against the prometheus-operator schemas, which catch a misspelt field and a bad duration', () => {
    for (const object of podMonitors) expect(validate(object)).toEqual([]);
    const misspelt = { ...podMonitors[0]!, spec: { ...podMonitors[0]!.spec, podMetricEndpoints: podMonitors[0]!.spec.podMetricsEndpoints } };
    expect(validate(misspelt).join('\n')).toContain('podMetricEndpoints');
    const rule = parse(read('k8s/monitoring/prometheusrule.yaml')) as K8sObject;
    expect(validate(rule)).toEqual([]);
    const badFor = structuredClone(rule);
    badFor.spec.groups[0].rules[0].for = '5 minutes';
    expect(validate(badFor)).not.toEqual([]);
  });

  it('scales notification-service on sockets per pod: a Pods metric on the HPA (base), a prometheus trigger on the ScaledObject (keda)', () => {
    const [base, keda] = withMonitoring;
    const hpa = base!.objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'notification-service')!;
    expect(hpa.spec.metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Resource' }),
        { type: 'Pods', pods: { metric: { name: 'live_sockets' }, target: { type: 'AverageValue', averageValue: expect.stringMatching(/^\d+$/) } } },
      ]),
    );
    const scaled = keda!.objects.find((o) => o.kind === 'ScaledObject' && o.metadata.name === 'notification-service')!;
    const trigger = scaled.spec.triggers.find((t: { type: string }) => t.type === 'prometheus');
    expect(promqlNames(trigger.metadata.query).names).toEqual(['live_sockets']);
    expect(trigger.metadata.query).toContain('job="notification-service"');
    // Without the component neither has it.
    expect(JSON.stringify(loadKustomization('k8s/base').objects)).not.toContain('live_sockets');
    expect(JSON.stringify(loadKustomization('k8s/keda').objects)).not.toContain('live_sockets');
  });

  it('gives the prometheus-adapter rule the HPA needs in k8s/README.md', () => {
    const readme = read('k8s/README.md');
    const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const block = yamlBlocks.map((text) => parse(text) as { rules?: any[] } | null).find((y) => y?.rules); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(block, 'a yaml block with prometheus-adapter rules').toBeDefined();
    const [rule] = block!.rules!;
    expect(promqlNames(rule.seriesQuery).names).toEqual(['live_sockets']);
    expect(rule.resources.overrides).toMatchObject({ namespace: { resource: 'namespace' }, pod: { resource: 'pod' } });
  });
});
