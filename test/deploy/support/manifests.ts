import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
/** The four deployable services: Dockerfile targets, compose services and k8s Deployments alike. */
export const SERVICES = ['user-service', 'post-service', 'notification-service', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

// Compose allows YAML merge keys (`<<: *anchor`); kubectl and kustomize read plain YAML.
export const readYaml = (file: string): unknown => parse(readFileSync(path.join(ROOT, file), 'utf8'), { merge: true });

// ---- docker-compose.yml
export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; disable?: boolean };
  restart?: string;
  entrypoint?: string[];
  command?: string[];
}
export interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `${NAME:-default}` and `${NAME}` as compose interpolates them, from `vars` (the shell's env). */
export function interpolate(value: string, vars: Record<string, string | undefined> = {}): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, name: string, fallback?: string) => vars[name] || fallback || '').replace(/\$\$/g, '$');
}

export function composeEnvironment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''))]));
}

/** `volume:/container/path[:ro]` → the named volume mounted at the deepest folder holding `file`. */
export function composeVolumeFor(service: ComposeService, file: string): { volume: string; relative: string } | undefined {
  const mounts = (service.volumes ?? []).map((v) => v.split(':')).map(([volume, target]) => ({ volume: volume!, target: target! }));
  const holder = mounts.filter((m) => file.startsWith(`${m.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
  return holder && { volume: holder.volume, relative: path.posix.relative(holder.target, file) };
}

// ---- k8s (the subset of kustomize these manifests use; anything else fails loudly)
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- shapes are checked by the schemas
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
export interface Variant {
  dir: string;
  objects: (K8sObject & { file: string })[];
  images: { name: string; newName?: string; newTag?: string }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'patches', 'images']);

export function loadKustomization(dir: string): Variant {
  const kustomization = readYaml(path.join(dir, 'kustomization.yaml')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const unsupported = Object.keys(kustomization).filter((k) => !SUPPORTED.has(k));
  if (unsupported.length) throw new Error(`${dir}/kustomization.yaml uses ${unsupported.join(', ')}, which this test does not model`);
  let objects: Variant['objects'] = [];
  let images: Variant['images'] = [];
  for (const resource of kustomization.resources as string[]) {
    const target = path.join(dir, resource);
    if (!resource.endsWith('.yaml')) {
      const inner = loadKustomization(target);
      objects.push(...inner.objects);
      images.push(...inner.images);
      continue;
    }
    const documents = parseAllDocuments(readFileSync(path.join(ROOT, target), 'utf8'));
    for (const document of documents) {
      if (document.errors.length) throw new Error(`${target}: ${document.errors[0]!.message}`);
      const object = document.toJS() as K8sObject | null;
      if (object) objects.push({ ...object, file: target });
    }
  }
  for (const { patch } of (kustomization.patches ?? []) as { patch: string }[]) {
    const spec = parse(patch) as K8sObject & { $patch?: string };
    if (spec.$patch !== 'delete') throw new Error(`${dir}: only "$patch: delete" patches are modelled`);
    const before = objects.length;
    objects = objects.filter((o) => !(o.kind === spec.kind && o.apiVersion === spec.apiVersion && o.metadata.name === spec.metadata.name));
    if (objects.length !== before - 1) throw new Error(`${dir}: the delete patch for ${spec.kind}/${spec.metadata.name} matched ${before - objects.length} objects`);
  }
  if (kustomization.namespace) objects = objects.map((o) => (o.kind === 'Namespace' ? o : { ...o, metadata: { ...o.metadata, namespace: kustomization.namespace } }));
  images = [...images.filter((i) => !(kustomization.images ?? []).some((n: { name: string }) => n.name === i.name)), ...(kustomization.images ?? [])];
  return { dir, objects, images };
}

/** Every YAML file of a kustomization folder, so none can sit there unlisted (and unapplied). */
export function yamlFilesIn(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
}

export function find<T extends K8sObject>(variant: Variant, kind: string, name: string): T {
  const found = variant.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${variant.dir}: no ${kind} named ${name}`);
  return found as T;
}
