import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import { at, findOne, helm, render, valuesFiles, type Manifest } from './support/helm';
import { fieldErrors, kindKey, schemaErrors } from './support/kubernetes-schema';
import { parseConfig } from '../../src/config/load';
import { SECRET_FIELDS } from '../../src/config/fields';
import { sinkFactory } from '../../src/sinks/registry';
import { ConfigError } from '../../src/util/errors';

/**
 * The chart as a platform team meets it: `helm lint --strict` passes, and every values file
 * it ships (defaults, ci/, examples/) renders manifests that the Kubernetes API schemas
 * accept, with a forwarder config the forwarder itself accepts.
 */

/** Sets every optional value at once (escape hatches included); not shipped with the chart. */
const EVERY_OPTION = join(__dirname, 'fixtures/every-option-values.yaml');
/** What its env entries would provide to the `${VAR}` references in its config. */
const EVERY_OPTION_ENV = { SPLUNK_URL: 'https://splunk.example.com:8088', SPLUNK_HEC_TOKEN: 'dummy-token' };

const CASES: readonly { label: string; files: string[] }[] = [
  { label: 'defaults', files: [] },
  ...valuesFiles().map((f) => ({ label: f, files: [f] })),
  { label: 'every option set', files: [EVERY_OPTION] },
];

test('the chart ships values for Splunk, Kafka with SASL, syslog over mTLS and cronjob mode', () => {
  const files = valuesFiles();
  for (const expected of ['ci/splunk-values.yaml', 'ci/kafka-sasl-values.yaml', 'ci/syslog-mtls-values.yaml', 'ci/cronjob-values.yaml']) {
    assert.ok(files.includes(expected), `${expected} is missing`);
  }
  assert.ok(files.some((f) => f.startsWith('examples/')), 'no examples/ values file');
});

for (const c of CASES) {
  test(`helm lint --strict passes with ${c.label}`, () => {
    const r = helm(['lint', '--strict', '.', ...c.files.flatMap((f) => ['-f', f])]);
    assert.equal(r.code, 0, `helm lint failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /0 chart\(s\) failed/);
    assert.doesNotMatch(r.stdout, /\[(WARNING|ERROR)\]/);
  });
}

const rendered = CASES.map((c) => ({ ...c, manifests: render({ valuesFiles: c.files }) }));

for (const c of rendered) {
  test(`every manifest rendered with ${c.label} passes the Kubernetes schema`, () => {
    assert.ok(c.manifests.length >= 5, `only ${c.manifests.length} manifests rendered`);
    const errors = c.manifests.flatMap((m) => schemaErrors(m));
    assert.deepEqual(errors, []);
    for (const m of c.manifests) {
      assert.match(m.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${m.kind} name "${m.metadata.name}" is not a DNS label`);
      const labels = m.metadata.labels ?? {};
      assert.equal(labels['app.kubernetes.io/instance'], 'caf', `${m.kind} lacks the instance label`);
      assert.ok(labels['app.kubernetes.io/name'], `${m.kind} lacks the name label`);
      assert.equal(labels['app.kubernetes.io/managed-by'], 'Helm');
    }
  });
}

test('no rendered manifest uses a field name the Kubernetes API does not have', () => {
  const docs = rendered.flatMap((c) => c.manifests.map((manifest) => ({ label: c.label, manifest })));
  assert.deepEqual(fieldErrors(docs), []);
});

test('the validators catch a misspelt field, a wrong type and a missing required field', () => {
  // Proves the two checks above can fail: each mutant must be reported.
  const sts = findOne(rendered[0].manifests, 'StatefulSet');
  const container = (m: Manifest) => (at(m, 'spec.template.spec.containers') as Record<string, unknown>[])[0];

  const misspelt = structuredClone(sts);
  (container(misspelt).securityContext as Record<string, unknown>).readOnlyRootFileSystem = true;
  const fieldReport = fieldErrors([{ label: 'mutant', manifest: misspelt }]);
  assert.equal(fieldReport.length, 1, fieldReport.join('\n'));
  assert.match(fieldReport[0], /readOnlyRootFileSystem/);

  const wrongType = structuredClone(sts);
  container(wrongType).ports = [{ name: 'metrics', containerPort: '9464' }];
  assert.match(schemaErrors(wrongType).join('\n'), /containerPort must be integer/);

  const missing = structuredClone(sts);
  delete (at(missing, 'spec') as Record<string, unknown>).selector;
  assert.match(schemaErrors(missing).join('\n'), /selector/);

  const rule = rendered.flatMap((c) => c.manifests).find((m) => m.kind === 'PrometheusRule');
  assert.ok(rule, 'no values file enables the PrometheusRule');
  const badRule = structuredClone(rule);
  const firstRule = (at(badRule, 'spec.groups.0.rules') as Record<string, unknown>[])[0];
  firstRule.expr = 'sum(rate(x[5m])';
  assert.match(schemaErrors(badRule).join('\n'), /unclosed/);

  const unknownKind = { ...structuredClone(sts), apiVersion: 'apps/v1beta1' } as Manifest;
  assert.match(schemaErrors(unknownKind).join('\n'), /not a kind/);
});

test('statefulset mode renders the long-running set; cronjob mode the scheduled one', () => {
  const kinds = (ms: Manifest[]) => ms.map(kindKey).sort();
  const defaults = rendered[0].manifests;
  assert.deepEqual(kinds(defaults), [
    'apps/v1/StatefulSet',
    'networking.k8s.io/v1/NetworkPolicy',
    'policy/v1/PodDisruptionBudget',
    'v1/ConfigMap',
    'v1/Service',
    'v1/ServiceAccount',
  ]);
  const cron = rendered.find((c) => c.label === 'ci/cronjob-values.yaml');
  assert.ok(cron);
  assert.deepEqual(kinds(cron.manifests), [
    'batch/v1/CronJob',
    'monitoring.coreos.com/v1/PrometheusRule',
    'networking.k8s.io/v1/NetworkPolicy',
    'v1/ConfigMap',
    'v1/PersistentVolumeClaim',
    'v1/ServiceAccount',
  ]);
  const splunk = rendered.find((c) => c.label === 'ci/splunk-values.yaml');
  assert.ok(splunk);
  assert.ok(splunk.manifests.some((m) => m.kind === 'ServiceMonitor'));
  assert.ok(splunk.manifests.some((m) => m.kind === 'PrometheusRule'));
});

/**
 * Loads a rendered config.yaml with the forwarder's own loader. Secret files the config
 * names are created (with a dummy value) under a temp root that stands in for the pod's
 * mounts, so `*_file` resolution runs for real.
 */
function loadRenderedConfig(configYaml: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof parseConfig> {
  const root = mkdtempSync(join(tmpdir(), 'caf-chart-secrets-'));
  const doc: unknown = YAML.parse(configYaml);
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) {
      if ((SECRET_FIELDS as readonly string[]).some((f) => k === `${f}_file`) && typeof child === 'string') {
        const file = join(root, child);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, 'dummy-secret-value\n');
        out[k] = file;
      } else out[k] = rewrite(child);
    }
    return out;
  };
  try {
    return parseConfig(YAML.stringify(rewrite(doc)), { env });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

for (const c of rendered) {
  test(`the forwarder accepts the config rendered with ${c.label}`, (t) => {
    const text = (findOne(c.manifests, 'ConfigMap').data as Record<string, unknown>)['config.yaml'];
    assert.equal(typeof text, 'string');
    const sinks = (YAML.parse(text as string) as { sinks?: Record<string, { type: string }> }).sinks ?? {};
    const unregistered = Object.values(sinks).map((s) => s.type).filter((type) => !sinkFactory(type));
    if (unregistered.length > 0) {
      t.skip(`sink type ${unregistered.join(', ')} is not in src/sinks/registry.ts yet`);
      return;
    }
    if (c.label === 'defaults') {
      // The defaults deliberately configure no sink: the forwarder must say so, naming the field.
      assert.throws(() => loadRenderedConfig(text as string), (err: unknown) => err instanceof ConfigError && /^sinks: /.test(err.message));
      return;
    }
    const config = loadRenderedConfig(text as string, c.files.includes(EVERY_OPTION) ? EVERY_OPTION_ENV : {});
    assert.ok(Object.keys(config.sinks).length > 0);
    assert.equal(config.metrics.listen, '0.0.0.0:9464');
    assert.equal(config.checkpoint.path, '/var/lib/claude-audit-forwarder/checkpoint.json');
  });
}
