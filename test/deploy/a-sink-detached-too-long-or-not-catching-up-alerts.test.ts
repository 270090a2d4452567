import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULE_TARGETS, onlyAlert, seriesOf, type RuleTarget } from './support/alert-rules';
import { findPromtool, testRules, type AlertExpectation, type RuleTest } from './support/promtool';

/**
 * Issue #17, pipeline.on_sink_failure: isolate. A sink detached (accepting nothing) for 15
 * minutes alerts; a catching-up sink whose lag falls is making progress and stays quiet,
 * but one whose lag has not fallen in 30 minutes (it fails again, or is slower than the
 * feed) alerts. Proven with Prometheus's own evaluator on synthetic series.
 */
const DETACHED = 'ClaudeAuditForwarderSinkDetached';
const STALLED = 'ClaudeAuditForwarderSinkCatchUpStalled';
const SINK = 'kafka';

/** One sink's state and lag series, as the forwarder exports them, minute by minute. */
function sinkSeries(
  target: RuleTarget,
  values: { detached: string; catchingUp: string; lag: string },
): RuleTest['input_series'] {
  const state = (s: string): string => seriesOf('claude_audit_forwarder_sink_state', target, { sink: SINK, state: s });
  return [
    { series: state('detached'), values: values.detached },
    { series: state('catching_up'), values: values.catchingUp },
    { series: seriesOf('claude_audit_forwarder_sink_lag_seconds', target, { sink: SINK }), values: values.lag },
  ];
}

function at(target: RuleTarget, alert: string, minute: number, fires: boolean): AlertExpectation {
  return {
    eval_time: `${minute}m`,
    alertname: alert,
    exp_alerts: fires ? [{ exp_labels: { severity: 'warning', ...target.kept, sink: SINK } }] : [],
  };
}

for (const { name, load } of RULE_TARGETS) {
  test(`${name}: a sink detached for 15 minutes alerts, and one catching up with a lag that does not fall for 30`, (t) => {
    const promtool = findPromtool();
    if (promtool === undefined) return t.skip('promtool unavailable (see the SKIPPING line above)');
    const target = load();
    const detached = onlyAlert(target, DETACHED);
    const stalled = onlyAlert(target, STALLED);
    assert.ok(detached && stalled, `${name} has ${DETACHED} and ${STALLED}`);
    const groups = [...detached, ...stalled.map((g) => ({ ...g, name: `${g.name}-stalled` }))];
    const { code, output } = testRules(promtool, groups, [
      {
        // Down from minute 5 to 25, then catching up with a lag that falls steadily.
        interval: '1m',
        input_series: sinkSeries(target, {
          detached: '0x4 1x20 0x70',
          catchingUp: '0x24 1x70',
          lag: '0x4 0+60x20 1200-15x70',
        }),
        alert_rule_test: [
          at(target, DETACHED, 12, false),
          at(target, DETACHED, 18, false),
          at(target, DETACHED, 21, true),
          at(target, DETACHED, 26, false),
          at(target, STALLED, 60, false),
          at(target, STALLED, 90, false),
        ],
      },
      {
        // Catching up from the start; the lag falls for 20 minutes, then the sink fails again
        // (it stays catching_up) and the lag grows: no lower than 30 minutes before from 35m.
        interval: '1m',
        input_series: sinkSeries(target, {
          detached: '0x90',
          catchingUp: '1x90',
          lag: '1800-60x20 600+60x70',
        }),
        alert_rule_test: [at(target, DETACHED, 30, false), at(target, STALLED, 30, false), at(target, STALLED, 40, true)],
      },
      {
        // Detached for 20 minutes, then catching up at exactly the feed's pace: the lag stays.
        // The detached minutes do not count towards the 30.
        interval: '1m',
        input_series: sinkSeries(target, {
          detached: '1x20 0x70',
          catchingUp: '0x20 1x70',
          lag: '300+60x20 1500x70',
        }),
        alert_rule_test: [at(target, STALLED, 45, false), at(target, STALLED, 52, true)],
      },
      {
        // Attached all along: nothing.
        interval: '1m',
        input_series: sinkSeries(target, { detached: '0x90', catchingUp: '0x90', lag: '0x90' }),
        alert_rule_test: [at(target, DETACHED, 60, false), at(target, STALLED, 60, false)],
      },
    ]);
    assert.equal(code, 0, `${name}: promtool test rules failed:\n${output}`);
  });
}
