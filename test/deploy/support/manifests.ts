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

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'patches', 'images']);
type Patch = { patch: string; target?: { group?: string; version?: string; kind?: string; name?: string } };
type JsonPatchOp = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

const readKustomization = (dir: string, kind: string): Record<string, any> => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const kustomization = readYaml(path.join(dir, 'kustomization.yaml')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const unsupported = Object.keys(kustomization).filter((k) => !SUPPORTED.has(k));
  if (unsupported.length) throw new Error(`${dir}/kustomization.yaml uses ${unsupported.join(', ')}, which this test does not model`);
  if ((kustomization.kind ?? 'Kustomization') !== kind) throw new Error(`${dir}/kustomization.yaml is a ${kustomization.kind}, expected a ${kind}`);
  return kustomization;
};

/** The resources a kustomization lists: YAML files of its folder, or other kustomization folders. */
function loadResources(dir: string, resources: string[], variant: { objects: Variant['objects']; images: Variant['images'] }): void {
  for (const resource of resources) {
    const target = path.join(dir, resource);
    if (!resource.endsWith('.yaml')) {
      const inner = loadKustomization(target);
      variant.objects.push(...inner.objects);
      variant.images.push(...inner.images);
      continue;
    }
    const documents = parseAllDocuments(readFileSync(path.join(ROOT, target), 'utf8'));
    for (const document of documents) {
      if (document.errors.length) throw new Error(`${target}: ${document.errors[0]!.message}`);
      const object = document.toJS() as K8sObject | null;
      if (object) variant.objects.push({ ...object, file: target });
    }
  }
}

/**
 * `patches`: a `$patch: delete` of one named object, or a JSON 6902 patch (add, replace, remove) on
 * every object its `target` selects; like kustomize, a target that selects nothing is no error.
 */
function applyPatches(dir: string, objects: Variant['objects'], patches: Patch[]): Variant['objects'] {
  for (const { patch, target } of patches) {
    if (target) {
      const ops = parse(patch) as JsonPatchOp[];
      if (!Array.isArray(ops)) throw new Error(`${dir}: a patch with a target must be a JSON 6902 patch (a list of operations)`);
      const selected = (o: K8sObject) => {
        const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
        return (target.kind ?? o.kind) === o.kind && (target.name ?? o.metadata.name) === o.metadata.name && (target.group ?? group) === group && (target.version ?? version) === version;
      };
      objects = objects.map((o) => (selected(o) ? ops.reduce((doc, op) => jsonPatch(doc, op, dir), structuredClone(o)) : o));
      continue;
    }
    const spec = parse(patch) as K8sObject & { $patch?: string };
    if (spec.$patch !== 'delete') throw new Error(`${dir}: only "$patch: delete" patches and JSON 6902 patches with a target are modelled`);
    const before = objects.length;
    objects = objects.filter((o) => !(o.kind === spec.kind && o.apiVersion === spec.apiVersion && o.metadata.name === spec.metadata.name));
    if (objects.length !== before - 1) throw new Error(`${dir}: the delete patch for ${spec.kind}/${spec.metadata.name} matched ${before - objects.length} objects`);
  }
  return objects;
}

/** One RFC 6902 operation on a JSON pointer (`~1` = `/`, `~0` = `~`; `-` appends to a list). */
function jsonPatch<T>(document: T, { op, path: pointer, value }: JsonPatchOp, dir: string): T {
  const keys = pointer.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop()!;
  let parent: any = document; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const key of keys) {
    parent = parent?.[key];
    if (parent === undefined || parent === null) throw new Error(`${dir}: JSON patch path ${pointer} does not exist`);
  }
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (op === 'add') parent.splice(index, 0, value);
    else if (index >= parent.length) throw new Error(`${dir}: JSON patch path ${pointer} does not exist`);
    else if (op === 'replace') parent[index] = value;
    else parent.splice(index, 1);
  } else if (op === 'add' || op === 'replace') {
    if (op === 'replace' && !(last in parent)) throw new Error(`${dir}: JSON patch path ${pointer} does not exist`);
    parent[last] = value;
  } else {
    delete parent[last];
  }
  return document;
}

/**
 * A kustomization as kustomize builds it: resources, then its components (each adds its resources
 * and patches what is there so far), then its own patches, namespace and images. `components` adds
 * components as an overlay listing them would (`k8s/base` + `k8s/monitoring`).
 */
export function loadKustomization(dir: string, components: string[] = []): Variant {
  const kustomization = readKustomization(dir, 'Kustomization');
  const variant: Pick<Variant, 'objects' | 'images'> = { objects: [], images: [] };
  loadResources(dir, kustomization.resources as string[], variant);
  let { objects, images } = variant;
  for (const componentDir of [...((kustomization.components ?? []) as string[]).map((c) => path.join(dir, c)), ...components]) {
    const component = readKustomization(componentDir, 'Component');
    const added: Pick<Variant, 'objects' | 'images'> = { objects: [], images: [] };
    loadResources(componentDir, component.resources ?? [], added);
    objects = applyPatches(componentDir, [...objects, ...added.objects], component.patches ?? []);
  }
  objects = applyPatches(dir, objects, kustomization.patches ?? []);
  if (kustomization.namespace) objects = objects.map((o) => (o.kind === 'Namespace' ? o : { ...o, metadata: { ...o.metadata, namespace: kustomization.namespace } }));
  images = [...images.filter((i) => !(kustomization.images ?? []).some((n: { name: string }) => n.name === i.name)), ...(kustomization.images ?? [])];
  return { dir: [dir, ...components].join(' + '), objects, images };
}

/** Every YAML file of a kustomization folder, so none can sit there unlisted (and unapplied). */
export function yamlFilesIn(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
}

export function find<T extends K8sObject>(variant: Variant, kind: string, name: string): T {
  const found = variant.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${variant.dir}: no ${kind} named ${name}`);
  return found as unknown as T;
}
