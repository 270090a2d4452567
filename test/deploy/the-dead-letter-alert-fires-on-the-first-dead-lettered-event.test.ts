import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULE_TARGETS, onlyAlert, seriesOf, type RuleTarget } from './support/alert-rules';
import { findPromtool, testRules, type AlertExpectation } from './support/promtool';

/**
 * Issue #17: dead_lettered_total{sink,reason} is born at its first increment, so a first
 * burst arrives as a series that starts at N. `increase()` sees no rise within such a series,
 * and the dead-letter alert stayed silent for the events a SOC most needs to hear about.
 * Proven with Prometheus's own evaluator on synthetic series, for deploy/prometheus and for
 * the Helm chart's PrometheusRule alike.
 */
const ALERT = 'ClaudeAuditForwarderDeadLetters';
const METRIC = 'claude_audit_forwarder_dead_lettered_total';

function series(target: RuleTarget, labels: Record<string, string>): string {
  return seriesOf(METRIC, target, labels);
}

function firing(target: RuleTarget, evalTime: string, sink: string): AlertExpectation {
  return {
    eval_time: evalTime,
    alertname: ALERT,
    exp_alerts: [{ exp_labels: { severity: 'warning', ...target.kept, sink } }],
  };
}

function silent(evalTime: string): AlertExpectation {
  return { eval_time: evalTime, alertname: ALERT, exp_alerts: [] };
}

for (const { name, load } of RULE_TARGETS) {
  test(`${name}: the dead-letter alert fires on the first dead-lettered event`, (t) => {
    const promtool = findPromtool();
    if (promtool === undefined) return t.skip('promtool unavailable (see the SKIPPING line above)');
    const target = load();
    const only = onlyAlert(target, ALERT);
    assert.ok(only, `${target.name} has ${ALERT}`);
    const { code, output } = testRules(promtool, only, [
      {
        // A sink's first burst: the series is born at 3 ten minutes in and never moves again.
        interval: '1m',
        input_series: [{ series: series(target, { sink: 'splunk', reason: 'bad data' }), values: '_x10 3x40' }],
        alert_rule_test: [silent('5m'), firing(target, '11m', 'splunk'), firing(target, '20m', 'splunk'), silent('40m')],
      },
      {
        // A new reason on a sink that already dead-lettered long ago: a new series again.
        interval: '1m',
        input_series: [
          { series: series(target, { sink: 'kafka', reason: 'too large' }), values: '1x60' },
          { series: series(target, { sink: 'kafka', reason: 'refused' }), values: '_x40 1x20' },
        ],
        alert_rule_test: [silent('30m'), firing(target, '41m', 'kafka')],
      },
      {
        // An existing series that grows: as before.
        interval: '1m',
        input_series: [{ series: series(target, { sink: 'archive', reason: 'x' }), values: '0x30 2x30' }],
        alert_rule_test: [silent('25m'), firing(target, '32m', 'archive'), silent('55m')],
      },
    ]);
    assert.equal(code, 0, `${target.name}: promtool test rules failed:\n${output}`);
  });
}
