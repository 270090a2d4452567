import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET_FIELDS } from '../../src/config/fields';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { at, CHART_DIR, findOne, render, renderError, renderNotes, type Manifest } from './support/helm';

/**
 * The chart's defaults are the hardened ones: a secret written into values is refused at any
 * depth (it would land in a ConfigMap), only the monitoring namespace reaches the metrics
 * port, egress leaves out the link-local range where cloud metadata (and its credentials) is
 * served, and an image pulled by a movable tag is pointed out at install.
 */

const INLINE = 'inline-secret-value-123';

test('every secret field is refused wherever it sits in config, without echoing it; ${ENV} references pass', () => {
  const placements: [string, Record<string, unknown>][] = [];
  for (const field of SECRET_FIELDS) {
    placements.push([`config.sinks.s.tls.${field}`, { 'config.sinks.s': { type: 'syslog', address: 'siem.example.com:6514', tls: { [field]: INLINE } } }]);
    placements.push([`config.source.tls.${field}`, { 'config.source.tls': { ca_file: '/x', [field]: INLINE } }]);
    placements.push([`config.sinks.k.sasl.${field}`, { 'config.sinks.k': { type: 'kafka', brokers: ['k:9093'], topic: 't', sasl: { mechanism: 'plain', username: 'u', [field]: INLINE } } }]);
    placements.push([`config.extra[1].deep.${field}`, { 'config.extra': [{}, { deep: { [field]: INLINE } }] }]);
  }
  // Where the config has the field, the guard refuses it; elsewhere values.schema.json already
  // refuses the unknown field. Neither echoes the secret.
  const guarded = new Set(['config.source.api_key', 'config.sinks.h.token', 'config.sinks.k.sasl.password', 'config.sinks.s.tls.key_password']);
  placements.push(['config.source.api_key', { 'config.source.api_key': INLINE }]);
  placements.push(['config.sinks.h.token', { 'config.sinks.h': { type: 'splunk_hec', endpoint: 'https://splunk.example.com:8088', token: INLINE } }]);
  for (const field of ['secret_access_key', 'session_token']) {
    guarded.add(`config.sinks.a.${field}`);
    placements.push([`config.sinks.a.${field}`, { 'config.sinks.a': { type: 's3', bucket: 'audit-archive', region: 'us-east-1', access_key_id: 'AKIAEXAMPLE', [field]: INLINE } }]);
  }
  for (const [path, set] of placements) {
    const message = renderError({ set });
    assert.ok(!message.includes(INLINE), 'the refusal does not echo the secret');
    if (!guarded.has(path)) {
      assert.match(message, /values don't meet the specifications of the schema|do not put secrets in values/, `${path}: ${message}`);
      continue;
    }
    assert.ok(message.includes(`${path}: do not put secrets in values`), `${path}: ${message}`);
    assert.match(message, /ConfigMap.*Secret "caf-claude-audit-forwarder".*_file: \/var\/run\/secrets\/claude-audit-forwarder\//);
  }
  const viaEnv = render({ set: { 'config.sinks.s': { type: 'syslog', address: 'siem.example.com:6514', tls: { key_password: '${TLS_KEY_PASSWORD}' } } } });
  assert.ok(viaEnv.length > 0);
});

test("the chart's guard names every secret field of the config", () => {
  const helpers = readFileSync(join(CHART_DIR, 'templates/_helpers.tpl'), 'utf8');
  const list = /\(has \$key \(list ((?:"[a-z_]+" ?)+)\)\)/.exec(helpers)?.[1];
  assert.ok(list, 'the guard lists the secret fields');
  assert.deepEqual([...list.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]).sort(), [...SECRET_FIELDS].sort());
});

test('a proxy URL with credentials is refused in values without echoing it; without credentials or as ${ENV} it passes', () => {
  const message = renderError({ set: { 'config.source.proxy': `http://svc:${INLINE}@egress.corp:3128` } });
  assert.match(message, /config\.source\.proxy: a proxy URL with credentials is a secret .*proxy: \$\{PROXY_URL\}/);
  assert.ok(!message.includes(INLINE), 'the refusal does not echo the secret');
  assert.ok(render({ set: { 'config.source.proxy': 'http://egress.corp:3128' } }).length > 0);
  assert.ok(render({ set: { 'config.source.proxy': '${PROXY_URL}' } }).length > 0);
});

const networkPolicy = (ms: Manifest[]): Manifest => findOne(ms, 'NetworkPolicy');

test('only the monitoring namespace may reach the metrics port unless metricsFrom says otherwise', () => {
  const monitoring = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }];
  assert.deepEqual(at(networkPolicy(render()), 'spec.ingress.0.from'), monitoring);
  const prometheus = [{ namespaceSelector: { matchLabels: { team: 'observability' } }, podSelector: { matchLabels: { app: 'prometheus' } } }];
  assert.deepEqual(at(networkPolicy(render({ set: { 'networkPolicy.metricsFrom': prometheus } })), 'spec.ingress.0.from'), prometheus);
  assert.equal(at(networkPolicy(render({ set: { 'networkPolicy.metricsFrom': [] } })), 'spec.ingress.0.from'), undefined, 'an explicit [] opens it to anyone');
});

test('egress ranges are values: the catch-all default leaves out link-local metadata addresses, narrowed ranges are used as given', () => {
  const egressTo = (ms: Manifest[]) => at(networkPolicy(ms), 'spec.egress.1.to');
  assert.deepEqual(egressTo(render()), [
    { ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] } },
    { ipBlock: { cidr: '::/0', except: ['fe80::/10', 'fd00:ec2::254/128'] } },
  ]);
  assert.deepEqual(egressTo(render({ set: { 'networkPolicy.egressCIDRs': ['160.79.104.0/23', '10.20.0.0/16'] } })), [
    { ipBlock: { cidr: '160.79.104.0/23' } },
    { ipBlock: { cidr: '10.20.0.0/16' } },
  ]);
  assert.deepEqual(egressTo(render({ set: { 'networkPolicy.egressExceptCIDRs': [] } })), [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }]);
  assert.match(renderError({ set: { 'networkPolicy.egressExceptCIDRs': ['metadata.internal'] } }), /egressExceptCIDRs/);
});

test('the image is pulled by digest when one is set, and the install notes point out a movable tag', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  const image = (ms: Manifest[]) => at(findOne(ms, 'StatefulSet'), 'spec.template.spec.containers.0.image');
  assert.equal(image(render({ set: { 'image.digest': digest } })), `ghcr.io/claude-audit-forwarder/claude-audit-forwarder@${digest}`);
  assert.match(renderNotes(), /pulled by its tag \(ghcr\.io\/claude-audit-forwarder\/claude-audit-forwarder:[^)]+\),[\s\S]*For production set image\.digest/);
  assert.doesNotMatch(renderNotes({ set: { 'image.digest': digest } }), /pulled by its tag/);
});
