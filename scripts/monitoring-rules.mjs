// Writes k8s/monitoring/prometheusrule.yaml from monitoring/prometheus/alerts.yml: the same rule
// groups as a prometheus-operator PrometheusRule. Run after editing the alerts;
// test/deploy/monitoring.test.ts fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { groups } = parse(readFileSync(path.join(root, 'monitoring/prometheus/alerts.yml'), 'utf8'));
const rule = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'herald', labels: { 'app.kubernetes.io/name': 'herald', 'app.kubernetes.io/part-of': 'herald' } },
  spec: { groups },
};
const header = [
  '# Generated from monitoring/prometheus/alerts.yml by `node scripts/monitoring-rules.mjs`: edit that',
  '# file and regenerate (test/deploy/monitoring.test.ts fails while they differ). Runbooks:',
  '# docs/operations.md, "Dashboards and alerts".',
  '',
].join('\n');
writeFileSync(path.join(root, 'k8s/monitoring/prometheusrule.yaml'), header + stringify(rule, { lineWidth: 0 }));
console.log(`k8s/monitoring/prometheusrule.yaml: ${groups.flatMap((g) => g.rules).length} rules`);
