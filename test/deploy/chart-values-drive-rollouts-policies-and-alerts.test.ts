import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { at, findOne, render, renderError, renderNotes, type Manifest } from './support/helm';

/**
 * How values turn into behaviour: a config change rolls the pod, values that cannot work
 * are refused at render time with the field and the fix, the NetworkPolicy opens exactly
 * the ports the config needs, and the alerts watch the forwarder's metrics.
 */

const podAnnotations = (ms: Manifest[]) => {
  const sts = ms.find((m) => m.kind === 'StatefulSet');
  const path = sts ? 'spec.template.metadata.annotations' : 'spec.jobTemplate.spec.template.metadata.annotations';
  return at(sts ?? findOne(ms, 'CronJob'), path) as Record<string, string>;
};

test('the pod carries a checksum of the exact config file, so a config change rolls it and nothing else does', () => {
  const base = render();
  const checksum = podAnnotations(base)['checksum/config'];
  const configYaml = (findOne(base, 'ConfigMap').data as Record<string, string>)['config.yaml'];
  assert.equal(checksum, createHash('sha256').update(configYaml.replace(/\n$/, '')).digest('hex'));

  const changedConfig = render({ set: { 'config.source.poll_interval': '10s' } });
  assert.notEqual(podAnnotations(changedConfig)['checksum/config'], checksum);

  const changedResources = render({ set: { 'resources.limits.memory': '1Gi' } });
  assert.equal(podAnnotations(changedResources)['checksum/config'], checksum);

  const cron = render({ valuesFiles: ['ci/cronjob-values.yaml'] });
  assert.match(podAnnotations(cron)['checksum/config'], /^[0-9a-f]{64}$/);
});

test('values that cannot work are refused at render time, naming the field and the fix', () => {
  const cases: { set: Record<string, unknown>; mentions: RegExp }[] = [
    { set: { mode: 'deployment' }, mentions: /mode.*(statefulset|cronjob)/ },
    { set: { 'config.source.api_key': 'sk-ant-admin01-inline' }, mentions: /config\.source\.api_key: .*Secret.*api_key_file/ },
    {
      set: { 'config.sinks.splunk': { type: 'splunk_hec', endpoint: 'https://s:8088', token: 'inline-token' } },
      mentions: /config\.sinks\.splunk\.token: .*token_file/,
    },
    {
      set: { 'config.sinks.k': { type: 'kafka', brokers: ['k:9092'], topic: 't', sasl: { mechanism: 'plain', username: 'u', password: 'p' } } },
      mentions: /config\.sinks\.k\.sasl\.password/,
    },
    { set: { 'config.metrics.listen': '127.0.0.1:9464' }, mentions: /config\.metrics\.listen: .*loopback.*0\.0\.0\.0:9464/ },
    { set: { 'config.metrics.enabled': false }, mentions: /config\.metrics\.enabled: .*remove enabled: false/ },
    { set: { mode: 'cronjob', 'persistence.enabled': false }, mentions: /persistence\.enabled: cronjob mode/ },
    { set: { imageTag: '1.0' }, mentions: /imageTag/ },
    { set: { 'image.digest': 'latest' }, mentions: /digest/ },
    { set: { 'networkPolicy.egressCIDRs': ['api.anthropic.com'] }, mentions: /egressCIDRs/ },
  ];
  for (const c of cases) {
    const message = renderError({ set: c.set });
    assert.match(message, c.mentions, `for ${JSON.stringify(c.set)}: ${message}`);
    assert.doesNotMatch(message, /sk-ant-admin01-inline|inline-token/, 'the refusal must not echo the secret');
  }
  // An ${ENV} reference is not a secret in values: allowed.
  const ok = render({ set: { 'config.sinks.splunk': { type: 'splunk_hec', endpoint: 'https://s:8088', token: '${SPLUNK_HEC_TOKEN}' } } });
  assert.ok(ok.length > 0);
});

const egressPorts = (ms: Manifest[]) => {
  const np = findOne(ms, 'NetworkPolicy');
  const rules = at(np, 'spec.egress') as { ports?: { port: number; protocol: string }[]; to?: unknown[] }[];
  return rules.map((r) => (r.ports ?? []).map((p) => `${p.protocol}/${p.port}`).join(','));
};

test('the NetworkPolicy allows DNS plus exactly the ports of the API and the configured sinks', () => {
  assert.deepEqual(egressPorts(render()), ['UDP/53,TCP/53', 'TCP/443']);
  assert.deepEqual(egressPorts(render({ valuesFiles: ['ci/splunk-values.yaml'] })), ['UDP/53,TCP/53', 'TCP/443,TCP/8088']);
  assert.deepEqual(egressPorts(render({ valuesFiles: ['ci/kafka-sasl-values.yaml'] })), ['UDP/53,TCP/53', 'TCP/443,TCP/9093']);
  assert.deepEqual(egressPorts(render({ valuesFiles: ['ci/syslog-mtls-values.yaml'] })), ['UDP/53,TCP/53', 'TCP/443,TCP/6514']);
  const udp = render({ set: { 'config.sinks.s': { type: 'syslog', address: 'siem.example.com', transport: 'udp' } } });
  assert.deepEqual(egressPorts(udp), ['UDP/53,TCP/53', 'TCP/443,UDP/514']);
  const plainHttpSimulator = render({ set: { 'config.source.base_url': 'http://sim.test:8787' } });
  assert.deepEqual(egressPorts(plainHttpSimulator), ['UDP/53,TCP/53', 'TCP/8787']);
  // Through an egress proxy, its port too.
  const proxied = render({
    set: {
      'config.source.proxy': 'http://egress.corp:3128',
      'config.sinks.splunk': { type: 'splunk_hec', endpoint: 'https://s:8088', token: '${SPLUNK_HEC_TOKEN}', proxy: 'http://hec-egress.corp:8080' },
    },
  });
  assert.deepEqual(egressPorts(proxied), ['UDP/53,TCP/53', 'TCP/3128,TCP/443,TCP/8080,TCP/8088']);
  // An S3-compatible store on its own port; Sentinel through a proxy.
  const minio = render({ set: { 'config.sinks.archive': { type: 's3', bucket: 'audit-archive', region: 'us-east-1', endpoint: 'http://minio.storage.svc:9000', allow_plaintext: true } } });
  assert.deepEqual(egressPorts(minio), ['UDP/53,TCP/53', 'TCP/443,TCP/9000']);
  const sentinel = render({
    set: {
      'config.sinks.sentinel': {
        type: 'sentinel',
        endpoint: 'https://dce-abcd.eastus-1.ingest.monitor.azure.com',
        dcr_immutable_id: `dcr-${'0'.repeat(32)}`,
        tenant_id: '00000000-0000-0000-0000-000000000000',
        client_id: '00000000-0000-0000-0000-000000000001',
        client_secret_file: '/var/run/secrets/claude-audit-forwarder/azure_client_secret',
        proxy: 'http://egress.corp:3128',
      },
    },
  });
  assert.deepEqual(egressPorts(sentinel), ['UDP/53,TCP/53', 'TCP/3128,TCP/443']);

  const np = findOne(render({ valuesFiles: ['ci/syslog-mtls-values.yaml'] }), 'NetworkPolicy');
  assert.deepEqual(at(np, 'spec.policyTypes'), ['Ingress', 'Egress']);
  assert.deepEqual(at(np, 'spec.egress.1.to'), [
    { ipBlock: { cidr: '10.20.0.0/16' } },
    { ipBlock: { cidr: '160.79.104.0/23' } },
    { ipBlock: { cidr: '2607:6bc0::/48' } },
  ]);
  assert.deepEqual(at(np, 'spec.ingress'), [
    { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
  ]);

  const extra = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kafka' } } }], ports: [{ port: 9092, protocol: 'TCP' }] };
  const withExtra = findOne(render({ set: { 'networkPolicy.extraEgress': [extra] } }), 'NetworkPolicy');
  assert.deepEqual((at(withExtra, 'spec.egress') as unknown[]).at(-1), extra);

  const splunkNp = findOne(render({ valuesFiles: ['ci/splunk-values.yaml'] }), 'NetworkPolicy');
  assert.deepEqual(at(splunkNp, 'spec.ingress.0.from'), [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);

  assert.equal(render({ set: { 'networkPolicy.enabled': false } }).filter((m) => m.kind === 'NetworkPolicy').length, 0);
});

test('the alert rules watch lag, the checkpoint, dead letters, auth failures and sink health', () => {
  const rule = findOne(render({ valuesFiles: ['ci/splunk-values.yaml'] }), 'PrometheusRule');
  const rules = at(rule, 'spec.groups.0.rules') as { alert: string; expr: string; labels: Record<string, string> }[];
  const byMetric = (metric: string) => rules.filter((r) => r.expr.includes(metric)).map((r) => r.alert);
  assert.deepEqual(byMetric('claude_audit_forwarder_source_lag_seconds'), ['ClaudeAuditForwarderSourceLagHigh']);
  assert.deepEqual(byMetric('claude_audit_forwarder_checkpoint_age_seconds'), ['ClaudeAuditForwarderCheckpointStalled']);
  assert.deepEqual(byMetric('claude_audit_forwarder_dead_lettered_total'), ['ClaudeAuditForwarderDeadLetters']);
  assert.deepEqual(byMetric('claude_audit_forwarder_api_requests_total'), ['ClaudeAuditForwarderApiAuthFailing']);
  assert.deepEqual(byMetric('claude_audit_forwarder_sink_healthy'), ['ClaudeAuditForwarderSinkDown']);
  // Only what the forwarder exports: a refused sink credential shows as sink_healthy 0.
  assert.deepEqual(byMetric('claude_audit_forwarder_sink_requests_total'), []);
  for (const r of rules) {
    // Scoped to this release, so two installs in one cluster do not alert for each other.
    assert.match(r.expr, /namespace="security",service="caf-claude-audit-forwarder"/, r.alert);
    assert.equal(r.labels.team, 'security-engineering', 'alertLabels reach every alert');
  }
  assert.match(rules.find((r) => r.alert === 'ClaudeAuditForwarderSourceLagHigh')!.expr, /> 900$/);

  const tuned = findOne(
    render({ set: { 'prometheusRule.enabled': true, 'prometheusRule.sourceLagSeconds': 120, 'prometheusRule.disabled': { ClaudeAuditForwarderDeadLetters: true } } }),
    'PrometheusRule',
  );
  const tunedRules = at(tuned, 'spec.groups.0.rules') as { alert: string; expr: string }[];
  assert.ok(!tunedRules.some((r) => r.alert === 'ClaudeAuditForwarderDeadLetters'));
  assert.match(tunedRules.find((r) => r.alert === 'ClaudeAuditForwarderSourceLagHigh')!.expr, /> 120$/);

  // cronjob mode cannot be scraped reliably: its alerts come from kube-state-metrics.
  const cron = findOne(render({ valuesFiles: ['ci/cronjob-values.yaml'] }), 'PrometheusRule');
  const cronExprs = (at(cron, 'spec.groups.0.rules') as { expr: string }[]).map((r) => r.expr).join('\n');
  assert.match(cronExprs, /kube_job_status_failed\{namespace="security",job_name=~"caf-claude-audit-forwarder-\[0-9\]\+"\}/);
  assert.match(cronExprs, /kube_cronjob_status_last_successful_time\{namespace="security",cronjob="caf-claude-audit-forwarder"\}/);
});

test('the ServiceMonitor scrapes the metrics Service of this release only', () => {
  const ms = render({ valuesFiles: ['ci/splunk-values.yaml'] });
  const sm = findOne(ms, 'ServiceMonitor');
  const svc = findOne(ms, 'Service');
  const svcLabels = svc.metadata.labels ?? {};
  for (const [k, val] of Object.entries(at(sm, 'spec.selector.matchLabels') as Record<string, string>)) assert.equal(svcLabels[k], val);
  assert.equal(at(sm, 'spec.endpoints.0.port'), at(svc, 'spec.ports.0.name'));
  assert.equal(at(sm, 'spec.endpoints.0.path'), '/metrics');
  assert.deepEqual(at(sm, 'spec.namespaceSelector.matchNames'), ['security']);
  assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack');
});

test('persistence can be switched off (emptyDir, with a warning) or point at an existing claim', () => {
  const off = findOne(render({ set: { 'persistence.enabled': false } }), 'StatefulSet');
  assert.equal(at(off, 'spec.volumeClaimTemplates'), undefined);
  const vols = at(off, 'spec.template.spec.volumes') as { name: string; emptyDir?: object }[];
  assert.deepEqual(vols.find((v) => v.name === 'data'), { name: 'data', emptyDir: {} });

  const existing = findOne(render({ set: { 'persistence.existingClaim': 'data-old-forwarder-0' } }), 'StatefulSet');
  assert.equal(at(existing, 'spec.volumeClaimTemplates'), undefined);
  const evols = at(existing, 'spec.template.spec.volumes') as { name: string; persistentVolumeClaim?: { claimName: string } }[];
  assert.equal(evols.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-old-forwarder-0');

  // Moving to cronjob mode can keep the StatefulSet's checkpoint by reusing its claim.
  const cron = render({ valuesFiles: ['ci/cronjob-values.yaml'], set: { 'persistence.existingClaim': 'data-caf-claude-audit-forwarder-0' } });
  assert.equal(cron.filter((m) => m.kind === 'PersistentVolumeClaim').length, 0);
  const cvols = at(findOne(cron, 'CronJob'), 'spec.jobTemplate.spec.template.spec.volumes') as { name: string; persistentVolumeClaim?: { claimName: string } }[];
  assert.equal(cvols.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-caf-claude-audit-forwarder-0');

  const sc = findOne(render({ set: { 'persistence.storageClassName': 'fast-ssd', 'persistence.size': '5Gi' } }), 'StatefulSet');
  assert.equal(at(sc, 'spec.volumeClaimTemplates.0.spec.storageClassName'), 'fast-ssd');
  assert.equal(at(sc, 'spec.volumeClaimTemplates.0.spec.resources.requests.storage'), '5Gi');
});

test('the image is the chart appVersion by default, and pinned by digest when one is given', () => {
  const image = (ms: Manifest[]) => at(findOne(ms, 'StatefulSet'), 'spec.template.spec.containers.0.image');
  assert.equal(image(render()), 'ghcr.io/claude-audit-forwarder/claude-audit-forwarder:0.1.0');
  const digest = `sha256:${'ab'.repeat(32)}`;
  assert.equal(image(render({ set: { 'image.repository': 'mirror.example.com/caf', 'image.digest': digest } })), `mirror.example.com/caf@${digest}`);
});

test('the PodDisruptionBudget lets a node drain evict the single pod', () => {
  const pdb = findOne(render(), 'PodDisruptionBudget');
  assert.equal(at(pdb, 'spec.maxUnavailable'), 1, 'minAvailable: 1 on one replica would block every drain');
  assert.equal(at(pdb, 'spec.minAvailable'), undefined);
  assert.deepEqual(at(pdb, 'spec.selector.matchLabels'), at(findOne(render(), 'StatefulSet'), 'spec.selector.matchLabels'));
});

test('NOTES.txt says how to create the Secret with every key the config reads, and warns about what will not work', () => {
  const splunk = renderNotes({ valuesFiles: ['ci/splunk-values.yaml'] });
  assert.match(splunk, /StatefulSet caf-claude-audit-forwarder \(one replica\) in namespace security/);
  assert.match(splunk, /create secret generic caf-claude-audit-forwarder \\\n\s+--from-file=api_key=\.\/api_key \\\n\s+--from-file=splunk_hec_token=\.\/splunk_hec_token\n/);
  assert.match(splunk, /checkpoint show/);
  assert.doesNotMatch(splunk, /WARNING/);

  const defaults = renderNotes();
  assert.match(defaults, /WARNING: config\.sinks is empty/);
  assert.match(renderNotes({ set: { 'persistence.enabled': false } }), /WARNING: persistence\.enabled is false.*\n.*re-reads start_at \(24h\)/);

  const cron = renderNotes({ valuesFiles: ['ci/cronjob-values.yaml'] });
  assert.match(cron, /CronJob caf-claude-audit-forwarder \(schedule "\*\/10 \* \* \* \*"/);
  assert.match(cron, /create job --from=cronjob\/caf-claude-audit-forwarder/);
});
