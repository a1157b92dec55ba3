/**
 * The root Dockerfile, checked without a Docker engine: every file it copies exists and is not
 * ignored, every stage it names exists, each service target runs its compiled main as a non-root
 * user, and its HEALTHCHECK really tells a healthy service from a failing one.
 * (test/deploy/emulate-docker-build.ts replays the whole build; it is too slow for every run.)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyOperands, dockerignore, parseDockerfile, parseEnv, type Stage } from './support/dockerfile.js';
import { readYaml, ROOT, SERVICES } from './support/manifests.js';

const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const ignored = dockerignore(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
const stage = (name: string) => dockerfile.stages.find((s) => s.name === name)!;
const rootPackage = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[]; scripts: Record<string, string> };

/** A stage and the stages it is built FROM, nearest first. */
function lineage(s: Stage): Stage[] {
  const parent = dockerfile.stages.find((p) => p.name === s.from);
  return parent ? [s, ...lineage(parent)] : [s];
}
/** The value an instruction last set for a stage, looking through the stages it builds on. */
const inherited = (s: Stage, op: string) => lineage(s).flatMap((l) => l.instructions.filter((i) => i.op === op).reverse())[0];
const copiesFromContext = (s: Stage) => s.instructions.filter((i) => i.op === 'COPY' && !i.flags.from).flatMap((i) => copyOperands(i).sources.map((src) => src.replace(/\/+$/, '')));

describe('Dockerfile', () => {
  it('starts every image from node:20-bookworm-slim', () => {
    const images = dockerfile.stages.filter((s) => !dockerfile.stages.some((p) => p.name === s.from)).map((s) => s.from);
    expect(new Set(images)).toEqual(new Set(['node:20-bookworm-slim']));
  });

  it('copies only files that exist in the build context and that .dockerignore lets through', () => {
    for (const s of dockerfile.stages) {
      for (const source of copiesFromContext(s)) {
        expect(existsSync(path.join(ROOT, source)), `${s.name}: COPY ${source}`).toBe(true);
        expect(ignored(source), `${s.name}: COPY ${source} is excluded by .dockerignore`).toBe(false);
      }
    }
  });

  it('copies --from stages defined above, and paths they produce', () => {
    dockerfile.stages.forEach((s, index) => {
      for (const copy of s.instructions.filter((i) => i.op === 'COPY' && i.flags.from)) {
        const from = dockerfile.stages.findIndex((p) => p.name === copy.flags.from);
        expect(from, `${s.name} line ${copy.line}: --from=${copy.flags.from}`).toBeGreaterThanOrEqual(0);
        expect(from).toBeLessThan(index);
        for (const source of copyOperands(copy).sources) expect(source, `line ${copy.line}`).toMatch(/^\/app\//);
      }
    });
  });

  it('runs nothing but npm ci and tsc -b', () => {
    const runs = dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run).toMatch(/^(npm ci( --omit=dev --ignore-scripts)?|npx tsc -b( [\w/-]+)+)$/);
  });

  it('gives npm ci every workspace manifest, and the build stage what the postinstall generates from', () => {
    const manifests = copiesFromContext(stage('manifests'));
    for (const workspace of rootPackage.workspaces) expect(manifests).toContain(`${workspace}/package.json`);
    expect(manifests).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    const build = stage('build');
    const installAt = build.instructions.findIndex((i) => i.op === 'RUN' && i.args === 'npm ci');
    const beforeInstall = build.instructions.slice(0, installAt).filter((i) => i.op === 'COPY').flatMap((i) => copyOperands(i).sources);
    const postinstallScript = /node (\S+)/.exec(rootPackage.scripts.postinstall!)![1]!;
    expect(beforeInstall).toContain(postinstallScript);
    for (const service of ['user-service', 'post-service', 'notification-service']) expect(beforeInstall).toContain(`${service}/prisma/schema.prisma`);
  });

  it('compiles each service and every project it references', () => {
    const run = stage('build').instructions.find((i) => i.op === 'RUN' && i.args.startsWith('npx tsc -b'))!;
    const projects = run.args.split(/\s+/).slice(3);
    const copied = copiesFromContext(stage('build'));
    const references = (project: string): string[] => {
      const config = JSON.parse(readFileSync(path.join(ROOT, project, 'tsconfig.json'), 'utf8')) as { references?: { path: string }[] };
      return (config.references ?? []).map((r) => path.posix.join(project, r.path)).flatMap((p) => [p, ...references(p)]);
    };
    for (const service of SERVICES) {
      expect(projects).toContain(service);
      for (const project of [service, ...references(service)]) {
        expect(projects, `${service} references ${project}`).toContain(project);
        expect(copied, `${project} is copied into the build stage`).toContain(project);
      }
    }
  });

  it.each(SERVICES)('has a %s target that runs its compiled main as a numeric non-root user', (service) => {
    const target = stage(service);
    expect(target, `target ${service}`).toBeDefined();
    expect(JSON.parse(inherited(target, 'CMD')!.args)).toEqual(['node', `${service}/dist/main.js`]);
    expect(existsSync(path.join(ROOT, service, 'src/main.ts'))).toBe(true);
    const user = inherited(target, 'USER')!.args;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    const env = Object.assign({}, ...lineage(target).reverse().flatMap((s) => s.instructions.filter((i) => i.op === 'ENV').map((i) => parseEnv(i.args))));
    expect(env).toMatchObject({ HOST: '0.0.0.0', NODE_ENV: 'production' });
    expect(target.instructions.find((i) => i.op === 'EXPOSE')?.args).toBe(env.PORT);
    const compose = readYaml('docker-compose.yml') as { services: Record<string, { environment: Record<string, string> }> };
    expect(compose.services[service]!.environment.PORT).toBe(env.PORT);
  });

  it.each(['user-service', 'post-service', 'notification-service'])('ships the migrations %s applies on start, next to its dist', (service) => {
    // service.ts reads new URL('../prisma/migrations', import.meta.url) from <service>/dist.
    expect(copiesFromContext(stage(service))).toContain(`${service}/prisma/migrations`);
    expect(existsSync(path.join(ROOT, service, 'prisma/migrations'))).toBe(true);
  });

  it('ships the web demo the gateway serves from the repository root', () => {
    expect(copiesFromContext(stage('gateway'))).toContain('web-demo/public');
  });

  describe('HEALTHCHECK', () => {
    const servers: Server[] = [];
    afterAll(() => servers.forEach((s) => s.close()));
    const serve = async (status: number) => {
      const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end());
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return String((server.address() as AddressInfo).port);
    };
    const healthcheck = (port: string) => {
      const command = inherited(stage('user-service'), 'HEALTHCHECK')!.args.replace(/^CMD\s+/, '');
      return new Promise<number | null>((resolve) => spawn('sh', ['-c', command], { env: { ...process.env, PORT: port } }).on('exit', resolve));
    };

    it('passes while /healthz answers 200', async () => {
      expect(await healthcheck(await serve(200))).toBe(0);
    });

    it('fails when /healthz answers 503, or nothing listens', async () => {
      expect(await healthcheck(await serve(503))).toBe(1);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = String((closed.address() as AddressInfo).port);
      await new Promise((resolve) => closed.close(resolve));
      expect(await healthcheck(port)).toBe(1);
    });
  });
});
