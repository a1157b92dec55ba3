// Rebuilds kubernetes-1.27.json and keda-scaledobject.json from the npm packages named in README.md.
// Usage: node extract.mjs <scratch dir whose node_modules holds the unpacked tarballs> (see README.md).
// Those packages register each JSON schema with @kubernetes-models/validate at run time; stand-ins
// for that package and @kubernetes-models/base capture the schemas instead of compiling them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scratch = path.resolve(process.argv[2] ?? '.');
const here = path.dirname(fileURLToPath(import.meta.url));
const stub = (name, source) => {
  const dir = path.join(scratch, 'node_modules', '@kubernetes-models', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `@kubernetes-models/${name}`, main: 'index.js' }));
  writeFileSync(path.join(dir, 'index.js'), source);
};
stub('validate', 'exports.register = (id, schema) => { (globalThis.__schemas ??= {})[id] ??= schema; };');
stub('base', [
  'exports.Model = class Model {};',
  'exports.createTypeMetaGuard = () => () => false;',
  'exports.setSchema = (_model, _id, add) => add();',
  'exports.setValidateFunc = () => {};',
].join('\n'));

const require = createRequire(path.join(scratch, 'index.js'));
// Only the kinds under k8s/ (and what they reference), not the whole API.
const kinds = [
  'IoK8sApiCoreV1Namespace', 'IoK8sApiCoreV1ConfigMap', 'IoK8sApiCoreV1Secret', 'IoK8sApiCoreV1Service',
  'IoK8sApiCoreV1ServiceAccount', 'IoK8sApiAppsV1Deployment', 'IoK8sApiNetworkingV1Ingress',
  'IoK8sApiNetworkingV1NetworkPolicy', 'IoK8sApiAutoscalingV2HorizontalPodAutoscaler', 'IoK8sApiPolicyV1PodDisruptionBudget',
];
for (const kind of kinds) require(path.join(scratch, 'node_modules/kubernetes-models/_schemas', `${kind}.js`)).addSchema();
const core = { ...globalThis.__schemas };
globalThis.__schemas = {};

// The KEDA models register ScaledObject/TriggerAuthentication when their module loads.
for (const kind of ['ScaledObject', 'TriggerAuthentication']) require(path.join(scratch, 'node_modules/@kubernetes-models/keda/keda.sh/v1alpha1', `${kind}.js`));
const keda = Object.fromEntries(Object.entries(globalThis.__schemas).filter(([id]) => id.startsWith('keda.sh.')));

const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(path.join(here, 'kubernetes-1.27.json'), `${JSON.stringify(sorted(core), null, 1)}\n`);
writeFileSync(path.join(here, 'keda-v1alpha1.json'), `${JSON.stringify(sorted(keda), null, 1)}\n`);
console.log(`kubernetes: ${Object.keys(core).length} schemas; keda: ${Object.keys(keda).join(', ')}`);
