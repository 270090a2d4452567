import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULE_TARGETS, onlyAlert, seriesOf, type RuleTarget } from './support/alert-rules';
import { findPromtool, testRules, type AlertExpectation } from './support/promtool';

/**
 * Issue #17: a labelled counter is born at its first increment, so the first 401, the first
 * refused activity, the first unknown type or the first capped wait arrives as a series that
 * starts at 1. `increase()` sees no rise within such a series: these alerts stayed silent for
 * exactly the event they exist to report (as the dead-letter alert did). Proven with
 * Prometheus's own evaluator, wherever each rule ships.
 */
interface CounterAlert {
  readonly alert: string;
  readonly metric: string;
  /** The labels of the new series; `kept` of them stay on the alert. */
  readonly labels: Record<string, string>;
  readonly kept: Record<string, string>;
  /** A series that has counted something else all along (another status, another reason). */
  readonly other: Record<string, string>;
  readonly windowMinutes: number;
  readonly severity: string;
  /** The Helm chart ships it too (the rest are deploy/'s extras). */
  readonly inChart: boolean;
}

const COUNTER_ALERTS: readonly CounterAlert[] = [
  {
    alert: 'ClaudeAuditForwarderApiAuthFailing',
    metric: 'claude_audit_forwarder_api_requests_total',
    labels: { status: '401' },
    kept: {},
    other: { status: '200' },
    windowMinutes: 10,
    severity: 'critical',
    inChart: true,
  },
  {
    alert: 'ClaudeAuditForwarderSourceRejectedActivities',
    metric: 'claude_audit_forwarder_source_rejected_total',
    labels: { reason: 'created_at_outside_window' },
    kept: { reason: 'created_at_outside_window' },
    other: { reason: 'too_large' },
    windowMinutes: 15,
    severity: 'warning',
    inChart: true,
  },
  {
    alert: 'ClaudeAuditForwarderUnknownActivityTypes',
    metric: 'claude_audit_forwarder_unknown_activity_types_total',
    labels: { type: 'brand_new_type' },
    kept: { type: 'brand_new_type' },
    other: { type: 'older_new_type' },
    windowMinutes: 60,
    severity: 'info',
    inChart: false,
  },
  {
    alert: 'ClaudeAuditForwarderTransparencyLogVerificationFailed',
    metric: 'claude_audit_forwarder_transparency_log_verification_failures_total',
    labels: { reason: 'log_fork' },
    kept: { reason: 'log_fork' },
    other: { reason: 'leaf_mismatch' },
    windowMinutes: 60,
    severity: 'critical',
    inChart: true,
  },
  {
    alert: 'ClaudeAuditForwarderApiWaitsCapped',
    metric: 'claude_audit_forwarder_api_waits_capped_total',
    labels: { header: 'retry-after' },
    kept: { header: 'retry-after' },
    other: { header: 'x-ratelimit-reset' },
    windowMinutes: 60,
    severity: 'warning',
    inChart: false,
  },
];

function expect(target: RuleTarget, c: CounterAlert, minute: number, fires: boolean): AlertExpectation {
  return {
    eval_time: `${minute}m`,
    alertname: c.alert,
    exp_alerts: fires ? [{ exp_labels: { severity: c.severity, ...target.kept, ...c.kept } }] : [],
  };
}

for (const { name, load } of RULE_TARGETS) {
  for (const c of COUNTER_ALERTS.filter((a) => a.inChart || name !== 'the chart')) {
    test(`${name}: ${c.alert} fires on the first event of a new series`, (t) => {
      const promtool = findPromtool();
      if (promtool === undefined) return t.skip('promtool unavailable (see the SKIPPING line above)');
      const target = load();
      const only = onlyAlert(target, c.alert);
      assert.ok(only, `${name} has ${c.alert}`);
      const w = c.windowMinutes;
      const { code, output } = testRules(promtool, only, [
        {
          // The first event: the series is born at 1 and never moves again, next to one that
          // has counted something else (quietly) for longer than the window.
          interval: '1m',
          input_series: [
            { series: seriesOf(c.metric, target, c.other), values: `5x${2 * w + 50}` },
            { series: seriesOf(c.metric, target, c.labels), values: `_x${w + 10} 1x${w + 30}` },
          ],
          alert_rule_test: [
            expect(target, c, w + 5, false),
            expect(target, c, w + 11, true),
            expect(target, c, 2 * w + 9, true),
            expect(target, c, 2 * w + 12, false),
          ],
        },
        {
          // An existing series that grows: as before.
          interval: '1m',
          input_series: [{ series: seriesOf(c.metric, target, c.labels), values: `0x30 2x${w + 30}` }],
          alert_rule_test: [expect(target, c, 25, false), expect(target, c, 32, true), expect(target, c, 30 + w + 5, false)],
        },
      ]);
      assert.equal(code, 0, `${name}: promtool test rules failed:\n${output}`);
    });
  }
}
