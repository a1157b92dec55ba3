/* eslint-disable @typescript-eslint/no-explicit-any -- pod specs are schema-checked elsewhere; here they are read */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Variant } from './manifests.js';

export function k8sContainer(variant: Variant, name: string): any {
  const deployment = variant.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  if (!deployment) throw new Error(`${variant.dir}: no Deployment ${name}`);
  const container = deployment.spec.template.spec.containers.find((c: any) => c.name === name);
  if (!container) throw new Error(`${variant.dir}: Deployment ${name} has no container named ${name}`);
  return container;
}

function secretData(variant: Variant, name: string, external: Record<string, Record<string, string>>): Record<string, string> {
  const secret = variant.objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
  if (secret) {
    const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    return { ...decoded, ...secret.stringData };
  }
  if (external[name]) return external[name]!;
  throw new Error(`${variant.dir}: Secret ${name} is neither in the manifests nor a documented external one`);
}

function configMapData(variant: Variant, name: string): Record<string, string> {
  const map = variant.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (!map) throw new Error(`${variant.dir}: no ConfigMap ${name}`);
  return map.data ?? {};
}

/**
 * The environment the container would see, as the kubelet assembles it (envFrom, then env), with
 * each file path that lands in a mounted Secret replaced by a local copy of that Secret key, so the
 * service's loader can read it. A path into nothing, or a key a Secret lacks, throws.
 */
export function k8sEnvironment(variant: Variant, name: string, external: Record<string, Record<string, string>>, scratch: string): Record<string, string> {
  const deployment = variant.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
  const container = k8sContainer(variant, name);
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMapData(variant, source.configMapRef.name));
    if (source.secretRef) Object.assign(env, secretData(variant, source.secretRef.name, external));
  }
  for (const entry of container.env ?? []) {
    const from = entry.valueFrom;
    if (!from) env[entry.name] = entry.value ?? '';
    else if (from.secretKeyRef) env[entry.name] = required(secretData(variant, from.secretKeyRef.name, external), from.secretKeyRef.key, `${name}: ${entry.name}`);
    else if (from.configMapKeyRef) env[entry.name] = required(configMapData(variant, from.configMapKeyRef.name), from.configMapKeyRef.key, `${name}: ${entry.name}`);
    else if (from.fieldRef?.fieldPath === 'metadata.name') env[entry.name] = `${name}-6f9c7d5b8-x2x7q`;
    else throw new Error(`${name}: ${entry.name} uses a valueFrom this test does not model`);
  }
  const volumes = new Map<string, any>(deployment.spec.template.spec.volumes?.map((v: any) => [v.name, v]) ?? []);
  for (const [key, value] of Object.entries(env)) {
    const mount = (container.volumeMounts ?? []).find((m: any) => value.startsWith(`${m.mountPath}/`));
    if (!mount) continue;
    const secret = volumes.get(mount.name)?.secret;
    if (!secret) throw new Error(`${name}: ${key}=${value} is in volume ${mount.name}, which is not a Secret`);
    const file = path.posix.relative(mount.mountPath, value);
    const item = secret.items ? secret.items.find((i: any) => i.path === file) : { key: file };
    if (!item) throw new Error(`${name}: ${key}=${value}, but Secret volume ${mount.name} projects no ${file}`);
    const local = path.join(scratch, name, mount.name, file);
    mkdirSync(path.dirname(local), { recursive: true });
    writeFileSync(local, required(secretData(variant, secret.secretName, external), item.key, `${name}: ${key}`));
    env[key] = local;
  }
  return env;
}

function required(data: Record<string, string>, key: string, what: string): string {
  if (data[key] === undefined) throw new Error(`${what}: key ${key} is missing`);
  return data[key]!;
}

/** How long the pod keeps serving after it is told to stop. */
export function probeTimings(container: any): { preStopSeconds: number } {
  const command: string[] = container.lifecycle?.preStop?.exec?.command ?? [];
  const seconds = command[0] === 'sleep' ? Number(command[1]) : Number(container.lifecycle?.preStop?.sleep?.seconds ?? 0);
  return { preStopSeconds: seconds };
}
