import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { ForwarderMetrics } from '../../src/observability/metrics';
import type { ForwarderView } from '../../src/observability/observer';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import { REPO_ROOT } from '../support/forwarder';
import { findOne, render } from '../deploy/support/helm';
import { SinkStats } from '../../src/sinks/runtime/stats';

/**
 * deploy/prometheus/alerts.yaml and deploy/grafana/claude-audit-forwarder.json only query
 * metrics (and labels) the forwarder really exports, and the alert rules say what the Helm
 * chart's PrometheusRule says — a renamed metric or a drifted threshold fails here, not in
 * an on-call night.
 */
interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
}

const alerts = (
  YAML.parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8')) as {
    groups: { rules: Rule[] }[];
  }
).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(
  readFileSync(join(REPO_ROOT, 'deploy/grafana/claude-audit-forwarder.json'), 'utf8'),
) as {
  uid: string;
  panels: { id: number; type: string; title: string; targets?: { expr: string }[] }[];
};

/** Metric name → label names, from a live registry: every family the forwarder can export. */
async function exported(): Promise<Map<string, Set<string>>> {
  const metrics = new ForwarderMetrics({ version: '0.0.0-test' });
  const view: ForwarderView = {
    governor: { state: { limit: 600, remaining: 10, pausedUntil: 0 } },
    pipeline: {
      buffered: 0,
      workerStats: () => [{ sink: 's', queued: 0, batchesInFlight: 0 }],
      health: () => [{ sink: 's', type: 'file', healthy: true }],
      sinks: [{ name: 's', type: 'file', stats: new SinkStats() }],
    },
    checkpointer: {
      watermark: null,
      saveError: undefined,
      current: Checkpointer.fresh('http://x', new Date().toISOString()),
    },
    sourceError: undefined,
  };
  metrics.attach(view);
  const names = new Map<string, Set<string>>();
  // Default process metrics carry their labels only in their values; ours declare labelNames.
  const values = new Map((await metrics.instruments.registry.getMetricsAsJSON()).map((m) => [m.name, m]));
  for (const m of metrics.instruments.registry.getMetricsAsArray()) {
    const info = m as unknown as { name: string; labelNames?: string[]; constructor: { name: string } };
    const labels = new Set<string>(['instance', 'job', ...(info.labelNames ?? [])]);
    for (const v of values.get(info.name)?.values ?? [])
      for (const k of Object.keys(v.labels)) if (k !== 'le') labels.add(k);
    const family =
      info.constructor.name === 'Histogram'
        ? ['_bucket', '_sum', '_count'].map((suffix) => info.name + suffix)
        : [info.name];
    for (const n of family) names.set(n, labels);
  }
  return names;
}

/** Metric selectors in a PromQL expression: name and the label names it matches on or groups by. */
function references(expr: string): { name: string; labels: string[] }[] {
  const out: { name: string; labels: string[] }[] = [];
  for (const m of expr.matchAll(/\b((?:claude_audit_forwarder|process|nodejs)_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
    const labels = [...(m[3] ?? '').matchAll(/([a-z_]+)\s*(=~|!=|!~|=)/g)].map((l) => l[1]);
    out.push({ name: m[1], labels });
  }
  return out;
}

function byLabels(expr: string): string[] {
  return [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) =>
    m[1]
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && s !== 'le'),
  );
}

test('every metric and label the alert rules use is exported', async () => {
  const names = await exported();
  assert.ok(alerts.length >= 9);
  for (const rule of alerts) {
    const refs = references(rule.expr).filter((r) => r.name !== 'up');
    assert.ok(refs.length > 0 || /\bup\{/.test(rule.expr), `${rule.alert}: queries something`);
    for (const ref of refs) {
      const labels = names.get(ref.name);
      assert.ok(labels, `${rule.alert}: ${ref.name} is not exported`);
      for (const l of [...ref.labels, ...byLabels(rule.expr)])
        assert.ok(labels.has(l), `${rule.alert}: ${ref.name} has no label "${l}"`);
    }
  }
});

test('every dashboard query uses exported metrics and labels, and panels are well formed', async () => {
  const names = await exported();
  const ids = new Set<number>();
  let queries = 0;
  for (const panel of dashboard.panels) {
    assert.ok(!ids.has(panel.id), `panel id ${panel.id} is unique`);
    ids.add(panel.id);
    for (const target of panel.targets ?? []) {
      queries++;
      for (const ref of references(target.expr)) {
        const labels = names.get(ref.name);
        assert.ok(labels, `"${panel.title}": ${ref.name} is not exported`);
        for (const l of [...ref.labels, ...byLabels(target.expr)])
          assert.ok(labels.has(l), `"${panel.title}": ${ref.name} has no label "${l}"`);
      }
    }
  }
  assert.ok(queries > 25);
  for (const needed of [
    'source_lag_seconds',
    'checkpoint_age_seconds',
    'dead_lettered_total',
    'sink_healthy',
    'api_requests_total',
    'unknown_activity_types_total',
    'sink_state',
    'sink_lag_seconds',
  ]) {
    assert.ok(
      JSON.stringify(dashboard).includes(`claude_audit_forwarder_${needed}`),
      `the dashboard shows ${needed}`,
    );
  }
});

/** The chart scopes rules to its Service and groups by pod; deploy/ uses instance. Compare the rest. */
function normalize(expr: string): string {
  return expr
    .replace(/(namespace|service|job)="[^"]*",?/g, '')
    .replace(/\{,?\}/g, '')
    .replace(/,\}/g, '}')
    .replace(
      /by \(([^)]*)\)/g,
      (_m, list: string) =>
        `by (${list
          .split(',')
          .map((s) => s.trim())
          .filter((s) => !['namespace', 'pod', 'instance'].includes(s))
          .join(', ')})`,
    )
    .replace(/\s+/g, ' ')
    .trim();
}

test("the rules match the Helm chart's PrometheusRule (names, expressions, thresholds, durations, severities)", () => {
  const rule = findOne(render({ set: { 'prometheusRule.enabled': true } }), 'PrometheusRule') as unknown as {
    spec: { groups: { rules: Rule[] }[] };
  };
  const chart = rule.spec.groups.flatMap((g) => g.rules);
  for (const c of chart) {
    const mine = alerts.find((a) => a.alert === c.alert);
    assert.ok(mine, `${c.alert} is in deploy/prometheus/alerts.yaml`);
    assert.equal(normalize(mine.expr), normalize(c.expr), c.alert);
    assert.equal(mine.for, c.for, `${c.alert}: for`);
    assert.equal(mine.labels.severity, c.labels.severity, `${c.alert}: severity`);
  }
});

test('every alert has a runbook: the chart links each to its heading in docs/kubernetes.md, the rest are in docs/operating.md', () => {
  const kubernetes = readFileSync(join(REPO_ROOT, 'docs/kubernetes.md'), 'utf8');
  const operating = readFileSync(join(REPO_ROOT, 'docs/operating.md'), 'utf8');
  const headings = new Set([...kubernetes.matchAll(/^### (\S+)$/gm)].map((m) => m[1]));
  const chart = ['statefulset', 'cronjob'].flatMap((mode) => {
    const rule = findOne(
      render({ set: { mode, 'prometheusRule.enabled': true } }),
      'PrometheusRule',
    ) as unknown as {
      spec: { groups: { rules: (Rule & { annotations: { runbook_url: string } })[] }[] };
    };
    return rule.spec.groups.flatMap((g) => g.rules);
  });
  for (const c of chart) {
    assert.ok(headings.has(c.alert), `${c.alert}: no "### ${c.alert}" in docs/kubernetes.md`);
    assert.ok(c.annotations.runbook_url.endsWith(`kubernetes.md#${c.alert.toLowerCase()}`), c.alert);
  }
  for (const a of alerts)
    assert.ok(
      headings.has(a.alert) || operating.includes(`**${a.alert}**`),
      `${a.alert}: no runbook in the docs`,
    );
});
