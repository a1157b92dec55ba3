/**
 * docker-compose.yml and k8s/ checked without Docker or a cluster: against the Compose
 * Specification and Kubernetes/KEDA JSON schemas (vendored in ./schemas), and against the services
 * themselves: every setting a service needs is wired, and each service's own config loader accepts
 * what the deployment gives it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTokenKeys, TokenSigner, TokenVerifier } from '@herald/platform';
import { channelQueueNames, queueNames } from '@herald/notification-service';
import { USERS_QUEUE } from '@herald/post-service';
import { parseDockerfile } from './support/dockerfile.js';
import { type Compose, composeEnvironment, composeVolumeFor, loadKustomization, readYaml, ROOT, SERVICES, yamlFilesIn } from './support/manifests.js';
import { composeValidator, kubernetesValidator } from './support/schemas.js';
import { LOADERS, requiredVariables } from './support/service-config.js';
import { k8sContainer, k8sEnvironment, probeTimings } from './support/k8s-pods.js';

const compose = readYaml('docker-compose.yml') as Compose;
const stages = new Set(parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).stages.map((s) => s.name));
const work = mkdtempSync(path.join(tmpdir(), 'herald-deploy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('docker-compose.yml', () => {
  const KEY_JOB = 'jwt-keys';
  /** The key job's named volumes, as local folders its script writes into. */
  const volumeDir = (volume: string) => path.join(work, 'volumes', volume);

  beforeAll(() => {
    // Run the one-shot key job's own script, with its files redirected into local "volumes".
    const job = compose.services[KEY_JOB]!;
    const env = composeEnvironment(job);
    for (const name of ['PRIVATE_KEY_FILE', 'PUBLIC_KEY_FILE']) {
      const mount = composeVolumeFor(job, env[name]!);
      expect(mount, `${KEY_JOB}: ${name} is not on a named volume`).toBeDefined();
      mkdirSync(volumeDir(mount!.volume), { recursive: true });
      env[name] = path.join(volumeDir(mount!.volume), mount!.relative);
    }
    const [node, flag] = job.entrypoint!;
    execFileSync(node!, [flag!, job.command![0]!], { env: { ...process.env, ...env } });
    const again = execFileSync(node!, [flag!, job.command![0]!], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(again, 'a second run keeps the existing pair').toContain('already present');
  });

  it('is valid against the Compose Specification schema', () => {
    expect(composeValidator()(readYaml('docker-compose.yml'))).toEqual([]);
  });

  it('gives every long-running service a healthcheck; one-shot jobs are awaited to completion instead', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.restart === 'no') {
        const waiters = Object.values(compose.services).filter((s) => s.depends_on?.[name]);
        expect(waiters.length, `${name} is awaited by someone`).toBeGreaterThan(0);
        for (const s of waiters) expect(s.depends_on![name]!.condition).toBe('service_completed_successfully');
        continue;
      }
      expect(service.healthcheck?.test, `${name} has a healthcheck`).toBeDefined();
      expect(service.healthcheck?.disable, name).not.toBe(true);
    }
  });

  it('publishes only the gateway, and the management UIs on loopback', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) {
        if (name !== 'gateway') expect(port, `${name} publishes ${port}`).toMatch(/^127\.0\.0\.1:/);
      }
    }
    expect(compose.services.gateway!.ports).toHaveLength(1);
  });

  it.each(SERVICES)('builds %s from its Dockerfile target and waits for every server its URLs name', (name) => {
    const service = compose.services[name]!;
    expect(service.build?.target).toBe(name);
    expect(stages).toContain(service.build!.target);
    expect(path.resolve(ROOT, service.build!.context)).toBe(ROOT);
    const env = composeEnvironment(service);
    for (const [key, value] of Object.entries(env).filter(([k]) => k.endsWith('_URL'))) {
      const host = new URL(value).hostname;
      expect(compose.services[host], `${name}: ${key} points at ${host}, which is no compose service`).toBeDefined();
      expect(service.depends_on?.[host]?.condition, `${name} waits for ${host} to be healthy`).toBe('service_healthy');
    }
  });

  it.each(SERVICES)('sets everything %s requires, and its own config loader accepts it', (name) => {
    const service = compose.services[name]!;
    const env = composeEnvironment(service);
    for (const variable of requiredVariables(name)) expect(env[variable], `${name}: ${variable}`).toBeTruthy();
    for (const key of ['JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY'].filter((k) => env[k])) {
      const mount = composeVolumeFor(service, env[key]!);
      expect(mount, `${name}: ${key}=${env[key]} is on no mounted volume`).toBeDefined();
      const file = path.join(volumeDir(mount!.volume), mount!.relative);
      expect(existsSync(file), `${name}: ${key} names ${mount!.relative} on volume ${mount!.volume}, which ${KEY_JOB} does not write`).toBe(true);
      env[key] = file;
    }
    const config = LOADERS[name](env);
    expect(config.host).toBe('0.0.0.0');
    // Whatever the key job made verifies in this service what user-service signs.
    const privateFile = path.join(volumeDir('jwt-private'), 'jwt-private.pem');
    const token = new TokenSigner(readFileSync(privateFile, 'utf8')).sign({ userId: '0190c6b4-0000-7000-8000-0000000000a1', username: 'ada', scopes: [] });
    expect(new TokenVerifier(readFileSync(env.JWT_PUBLIC_KEY!, 'utf8')).verify(token).userId).toBe('0190c6b4-0000-7000-8000-0000000000a1');
  });

  it.each(SERVICES)("runs %s's healthcheck against /healthz: 200 passes, 503 fails", async (name) => {
    const test = compose.services[name]!.healthcheck!.test as string[];
    expect(test[0]).toBe('CMD');
    const run = (port: number) =>
      new Promise<number | null>((resolve) => spawn(test[1]!, test.slice(2), { env: { ...process.env, PORT: String(port) } }).on('exit', resolve));
    for (const [status, exit] of [[200, 0], [503, 1]] as const) {
      const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        expect(await run((server.address() as AddressInfo).port)).toBe(exit);
      } finally {
        server.close();
      }
    }
  });

  it('mounts the private key into user-service only', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const mountsPrivate = (service.volumes ?? []).some((v) => v.startsWith('jwt-private:'));
      expect(mountsPrivate, name).toBe(name === 'user-service' || name === KEY_JOB);
    }
  });

  it('points the gateway at each upstream on the port that upstream listens on', () => {
    const gateway = composeEnvironment(compose.services.gateway!);
    for (const [variable, upstream] of [['USER_SERVICE_URL', 'user-service'], ['POST_SERVICE_URL', 'post-service'], ['NOTIFICATION_SERVICE_URL', 'notification-service']] as const) {
      const url = new URL(gateway[variable]!);
      expect(url.hostname).toBe(upstream);
      expect(url.port).toBe(composeEnvironment(compose.services[upstream]!).PORT);
    }
  });
});

describe('k8s', () => {
  // Each variant as shipped, and with the monitoring component (k8s/monitoring) in an overlay.
  const variants = [
    loadKustomization('k8s/base'),
    loadKustomization('k8s/keda'),
    loadKustomization('k8s/base', ['k8s/monitoring']),
    loadKustomization('k8s/keda', ['k8s/monitoring']),
  ];
  const usesKeda = (variant: { dir: string }) => variant.dir.startsWith('k8s/keda');
  const validate = kubernetesValidator();
  const keys = generateTokenKeys();
  /** Secrets created outside the manifests (see docs/deployment.md), with the keys they must hold. */
  const external: Record<string, Record<string, string>> = { 'herald-jwt': { 'jwt-private.pem': keys.privateKey, 'jwt-public.pem': keys.publicKey } };

  it.each(['k8s/base', 'k8s/keda', 'k8s/monitoring'])('%s lists every YAML file beside its kustomization.yaml', (dir) => {
    const listed = (readYaml(`${dir}/kustomization.yaml`) as { resources: string[] }).resources.filter((r) => r.endsWith('.yaml'));
    expect(listed.sort()).toEqual(yamlFilesIn(dir).sort());
  });

  it.each(variants.map((v) => [v.dir, v] as const))('%s: every document is valid against the Kubernetes 1.27 / KEDA / prometheus-operator schemas (strict)', (_dir, variant) => {
    const problems = variant.objects.flatMap(({ file, ...document }) => validate(document).map((p) => `${file} ${document.kind}/${document.metadata.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('documents how to create the Secrets the manifests do not contain', () => {
    const docs = readFileSync(path.join(ROOT, 'docs/deployment.md'), 'utf8');
    for (const [name, content] of Object.entries(external)) {
      expect(docs).toContain(`create secret generic ${name}`);
      for (const key of Object.keys(content)) expect(docs).toContain(`--from-file=${key}`);
    }
  });

  describe.each(variants.map((v) => [v.dir, v] as const))('%s', (_dir, variant) => {
    it.each(SERVICES)('sets everything %s requires, and its own config loader accepts it', (name) => {
      const env = k8sEnvironment(variant, name, external, path.join(work, 'k8s', variant.dir));
      for (const variable of requiredVariables(name)) expect(env[variable], `${name}: ${variable}`).toBeTruthy();
      const config = LOADERS[name](env);
      expect(config.host).toBe('0.0.0.0');
      expect(k8sContainer(variant, name).ports[0].containerPort).toBe(config.port);
    });

    it.each(SERVICES)('runs %s from its image as non-root, with probes, resources and a graceful stop', (name) => {
      const deployment = variant.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
      const pod = deployment.spec.template.spec;
      const container = k8sContainer(variant, name);
      const image = variant.images.find((i) => i.name === container.image);
      expect(container.image).toBe(`herald/${name}`);
      expect(image?.newTag, `${name}: the kustomization pins a tag`).toBeTruthy();
      expect(stages).toContain(name);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
      expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
      expect(container.startupProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
      for (const kind of ['requests', 'limits']) expect(Object.keys(container.resources[kind]).sort(), `${name} ${kind}`).toEqual(['cpu', 'memory']);
      // After preStop, the service's closeOnSignals has 15 s to drain before it exits by itself.
      const { preStopSeconds } = probeTimings(container);
      expect(preStopSeconds).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds + 15 + 5);
    });

    it.each(SERVICES)('gives %s a ClusterIP Service on its port and a PodDisruptionBudget', (name) => {
      const labels = variant.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec.template.metadata.labels;
      const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
      const services = variant.objects.filter((o) => o.kind === 'Service' && selects(o.spec.selector));
      expect(services.map((s) => s.metadata.name)).toEqual([name]);
      expect(services[0]!.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(services[0]!.spec.ports[0].targetPort).toBe('http');
      const pdbs = variant.objects.filter((o) => o.kind === 'PodDisruptionBudget' && selects(o.spec.selector.matchLabels));
      expect(pdbs).toHaveLength(1);
    });

    it('autoscales the gateway and notification-service with exactly one autoscaler each', () => {
      const targets = variant.objects.flatMap((o) =>
        o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject' ? [{ kind: o.kind, target: o.spec.scaleTargetRef.name as string }] : [],
      );
      for (const { target } of targets) expect(variant.objects.some((o) => o.kind === 'Deployment' && o.metadata.name === target)).toBe(true);
      const byTarget = (name: string) => targets.filter((t) => t.target === name);
      expect(byTarget('gateway')).toEqual([{ kind: 'HorizontalPodAutoscaler', target: 'gateway' }]);
      expect(byTarget('notification-service')).toEqual([{ kind: usesKeda(variant) ? 'ScaledObject' : 'HorizontalPodAutoscaler', target: 'notification-service' }]);
    });

    it('exposes only the gateway, through an Ingress with WebSocket-length timeouts', () => {
      const ingresses = variant.objects.filter((o) => o.kind === 'Ingress');
      expect(ingresses).toHaveLength(1);
      const backends = ingresses[0]!.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.name)); // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(new Set(backends)).toEqual(new Set(['gateway']));
      const annotations = ingresses[0]!.metadata.annotations!;
      // Far above the 30 s server ping, so a quiet socket is never cut by the proxy.
      for (const timeout of ['proxy-read-timeout', 'proxy-send-timeout']) expect(Number(annotations[`nginx.ingress.kubernetes.io/${timeout}`])).toBeGreaterThanOrEqual(300);
    });
  });

  it('scales notification-service on the backlog of the queues it really consumes (keda)', () => {
    const keda = variants[1]!;
    const scaled = keda.objects.find((o) => o.kind === 'ScaledObject')!;
    const prefix = keda.objects.find((o) => o.kind === 'ConfigMap')!.data!.AMQP_QUEUE_PREFIX ?? '';
    const queues = scaled.spec.triggers.filter((t: { type: string }) => t.type === 'rabbitmq').map((t: { metadata: { queueName: string } }) => t.metadata.queueName);
    expect(queues.sort()).toEqual([...Object.values(queueNames(prefix)), ...channelQueueNames(prefix)].sort());
    expect(queues).not.toContain(`${prefix}${USERS_QUEUE}`);
    for (const trigger of scaled.spec.triggers.filter((t: { type: string }) => t.type === 'rabbitmq')) {
      const auth = keda.objects.find((o) => o.kind === 'TriggerAuthentication' && o.metadata.name === trigger.authenticationRef.name)!;
      for (const ref of auth.spec.secretTargetRef) {
        const secret = keda.objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
        expect(secret?.stringData?.[ref.key], `${ref.name}/${ref.key}`).toMatch(/^amqps?:\/\//);
      }
    }
  });
});
