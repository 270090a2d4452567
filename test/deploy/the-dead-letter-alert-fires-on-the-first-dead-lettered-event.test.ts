import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT, at, findOne, render } from './support/helm';
import { findPromtool, testRules, type AlertExpectation, type RuleGroup } from './support/promtool';

/**
 * Issue #17: dead_lettered_total{sink,reason} is born at its first increment, so a first
 * burst arrives as a series that starts at N. `increase()` sees no rise within such a series,
 * and the dead-letter alert stayed silent for the events a SOC most needs to hear about.
 * Proven with Prometheus's own evaluator on synthetic series, for deploy/prometheus and for
 * the Helm chart's PrometheusRule alike.
 */
const ALERT = 'ClaudeAuditForwarderDeadLetters';
const METRIC = 'claude_audit_forwarder_dead_lettered_total';

interface Target {
  readonly name: string;
  readonly groups: RuleGroup[];
  /** Labels a scrape of one forwarder puts on its series, and those the alert keeps. */
  readonly scrape: Record<string, string>;
  readonly kept: Record<string, string>;
}

function deployTarget(): Target {
  const doc = YAML.parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8')) as {
    groups: RuleGroup[];
  };
  const scrape = { job: 'claude-audit-forwarder', instance: 'fwd-1:9464' };
  return { name: 'deploy/prometheus/alerts.yaml', groups: doc.groups, scrape, kept: { instance: scrape.instance } };
}

function chartTarget(): Target {
  const rule = findOne(
    render({ set: { 'prometheusRule.enabled': true }, namespace: 'security' }),
    'PrometheusRule',
  );
  const groups = at(rule, 'spec.groups') as RuleGroup[];
  const scrape = { namespace: 'security', service: 'caf-claude-audit-forwarder', pod: 'caf-claude-audit-forwarder-0' };
  return { name: "the chart's PrometheusRule", groups, scrape, kept: { namespace: scrape.namespace, pod: scrape.pod } };
}

function series(scrape: Record<string, string>, labels: Record<string, string>): string {
  const all = { ...scrape, ...labels };
  return `${METRIC}{${Object.entries(all)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

function firing(target: Target, evalTime: string, sink: string): AlertExpectation {
  return {
    eval_time: evalTime,
    alertname: ALERT,
    exp_alerts: [{ exp_labels: { severity: 'warning', ...target.kept, sink } }],
  };
}

function silent(evalTime: string): AlertExpectation {
  return { eval_time: evalTime, alertname: ALERT, exp_alerts: [] };
}

for (const make of [deployTarget, chartTarget]) {
  test(`${make.name === deployTarget.name ? 'deploy/prometheus' : 'the chart'}: the dead-letter alert fires on the first dead-lettered event`, (t) => {
    const promtool = findPromtool();
    if (promtool === undefined) return t.skip('promtool unavailable (see the SKIPPING line above)');
    const target = make();
    // Annotations are not what is proven here (promtool would compare their text too).
    const only = target.groups.map((g) => ({
      ...g,
      rules: g.rules.filter((r) => r.alert === ALERT).map(({ annotations: _a, ...rule }) => rule),
    }));
    assert.equal(only.flatMap((g) => g.rules).length, 1, `${target.name} has ${ALERT}`);
    const { code, output } = testRules(promtool, only, [
      {
        // A sink's first burst: the series is born at 3 ten minutes in and never moves again.
        interval: '1m',
        input_series: [{ series: series(target.scrape, { sink: 'splunk', reason: 'bad data' }), values: '_x10 3x40' }],
        alert_rule_test: [silent('5m'), firing(target, '11m', 'splunk'), firing(target, '20m', 'splunk'), silent('40m')],
      },
      {
        // A new reason on a sink that already dead-lettered long ago: a new series again.
        interval: '1m',
        input_series: [
          { series: series(target.scrape, { sink: 'kafka', reason: 'too large' }), values: '1x60' },
          { series: series(target.scrape, { sink: 'kafka', reason: 'refused' }), values: '_x40 1x20' },
        ],
        alert_rule_test: [silent('30m'), firing(target, '41m', 'kafka')],
      },
      {
        // An existing series that grows: as before.
        interval: '1m',
        input_series: [{ series: series(target.scrape, { sink: 'archive', reason: 'x' }), values: '0x30 2x30' }],
        alert_rule_test: [silent('25m'), firing(target, '32m', 'archive'), silent('55m')],
      },
    ]);
    assert.equal(code, 0, `${target.name}: promtool test rules failed:\n${output}`);
  });
}
