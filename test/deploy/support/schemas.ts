import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';

/** The vendored schemas; where each comes from is in schemas/README.md. */
// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const SCHEMAS = path.join(import.meta.dirname, '..', 'schemas');
const readJson = (name: string) => JSON.parse(readFileSync(path.join(SCHEMAS, name), 'utf8')) as Record<string, unknown>;

export type Problems = string[];
const describe = (validate: ValidateFunction): Problems =>
  (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);

/** Drops draft-04 style `id` annotations (a string), which Ajv refuses; a property named id is an object. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutLegacyIds(v)]));
}

/** The Compose Specification schema (draft 2019-09; its `id`s only label definitions). */
export function composeValidator(): (document: unknown) => Problems {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv as unknown as Ajv);
  // `expose` entries: a port or a range, optionally with a protocol (compose-go's own check).
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  const validate = ajv.compile(withoutLegacyIds(readJson('compose-spec.json')) as object);
  return (document) => (validate(document) ? [] : describe(validate));
}

// Kubernetes' own Quantity grammar (apimachinery resource/quantity.go), as the models package checks it.
const QUANTITY = /^[+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+)(?:[KMGTPE]i|[YZEPTGMkhdcmunpfazy]|da|[eE][+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+))?$/;

/**
 * Like kubeconform's -strict: an object that lists its properties accepts no others, so a misspelt
 * field (`readinesProbe`) fails here instead of being dropped silently by the API server.
 */
function strict(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(strict);
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  const props = schema.properties as Record<string, unknown> | undefined;
  if (props && Object.keys(props).length > 0 && !('additionalProperties' in schema) && !('x-kubernetes-preserve-unknown-fields' in schema)) {
    schema.additionalProperties = false;
  }
  Object.values(schema).forEach(strict);
}

/**
 * CRD patterns are Go (RE2) syntax; the one construct prometheus-operator's use that JavaScript lacks
 * is the case-insensitive flag group `(?i)`, which becomes the `i` flag.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const plain = pattern.replaceAll('(?i)', '');
    return new RegExp(plain, plain === pattern ? flags : `${flags}i`);
  },
  { code: 'new RegExp' },
);

/** Kubernetes 1.27, KEDA v1alpha1 and prometheus-operator v1 schemas keyed by apiVersion/kind. */
export function kubernetesValidator(): (document: { apiVersion?: string; kind?: string }) => Problems {
  const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: goRegExp } });
  addFormats(ajv as unknown as Ajv);
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  ajv.addFormat('quantity', QUANTITY);
  const all = { ...readJson('kubernetes-1.27.json'), ...readJson('keda-v1alpha1.json'), ...readJson('prometheus-operator-v1.json') };
  strict(all);
  for (const [id, schema] of Object.entries(all)) ajv.addSchema(schema as object, id);
  const cache = new Map<string, ValidateFunction>();
  return (document) => {
    const id = schemaId(document.apiVersion ?? '', document.kind ?? '');
    if (!all[id]) return [`no schema for ${document.apiVersion}/${document.kind} (${id})`];
    let validate = cache.get(id);
    if (!validate) cache.set(id, (validate = ajv.getSchema(id)!));
    return validate(document) ? [] : describe(validate);
  };
}

/** `apps/v1` + `Deployment` → `io.k8s.api.apps.v1.Deployment`, the ids the vendored files use. */
function schemaId(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  if (group === 'keda.sh' || group === 'monitoring.coreos.com') return `${group}.${version}.${kind}`;
  const short = group!.replace(/\.k8s\.io$/, '');
  return `io.k8s.api.${short}.${version}.${kind}`;
}
