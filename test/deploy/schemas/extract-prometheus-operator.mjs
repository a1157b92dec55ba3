// Rebuilds prometheus-operator-v1.json from prometheus-operator's CRD manifests (README.md: which
// release, and the files' sha256). Usage: node extract-prometheus-operator.mjs <dir holding
// monitoring.coreos.com_{podmonitors,servicemonitors,prometheusrules}.yaml>
// Each CRD's v1 openAPIV3Schema is kept as it is, except `metadata`, which the API server checks as
// an ObjectMeta (a reference into kubernetes-1.27.json, as the KEDA schemas do), and apiVersion/kind,
// pinned to this kind.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const source = path.resolve(process.argv[2] ?? '.');
const here = path.dirname(fileURLToPath(import.meta.url));
const out = {};
for (const plural of ['podmonitors', 'servicemonitors', 'prometheusrules']) {
  const crd = parse(readFileSync(path.join(source, `monitoring.coreos.com_${plural}.yaml`), 'utf8'));
  const version = crd.spec.versions.find((v) => v.name === 'v1');
  const schema = structuredClone(version.schema.openAPIV3Schema);
  schema.properties.metadata = { oneOf: [{ $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta#' }, { type: 'null' }] };
  schema.properties.apiVersion = { type: 'string', enum: [`${crd.spec.group}/v1`] };
  schema.properties.kind = { type: 'string', enum: [crd.spec.names.kind] };
  schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'spec'])];
  out[`${crd.spec.group}.v1.${crd.spec.names.kind}`] = schema;
}
writeFileSync(path.join(here, 'prometheus-operator-v1.json'), `${JSON.stringify(out, null, 1)}\n`);
console.log(`prometheus-operator: ${Object.keys(out).join(', ')}`);
