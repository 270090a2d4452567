import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT, at, findOne, render } from './helm';
import type { RuleGroup } from './promtool';

/**
 * The two places the alert rules ship (deploy/prometheus and the Helm chart's
 * PrometheusRule), as promtool tests need them: the groups, the labels a scrape of one
 * forwarder puts on its series, and the labels the alerts keep.
 */
export interface RuleTarget {
  readonly name: string;
  readonly groups: RuleGroup[];
  readonly scrape: Record<string, string>;
  readonly kept: Record<string, string>;
}

export function deployTarget(): RuleTarget {
  const doc = YAML.parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8')) as {
    groups: RuleGroup[];
  };
  const scrape = { job: 'claude-audit-forwarder', instance: 'fwd-1:9464' };
  return { name: 'deploy/prometheus', groups: doc.groups, scrape, kept: { instance: scrape.instance } };
}

export function chartTarget(): RuleTarget {
  const rule = findOne(render({ set: { 'prometheusRule.enabled': true }, namespace: 'security' }), 'PrometheusRule');
  const groups = at(rule, 'spec.groups') as RuleGroup[];
  const scrape = { namespace: 'security', service: 'caf-claude-audit-forwarder', pod: 'caf-claude-audit-forwarder-0' };
  return { name: 'the chart', groups, scrape, kept: { namespace: scrape.namespace, pod: scrape.pod } };
}

/** A series as promtool's input_series spells it: `metric{scrape labels, labels}`. */
export function seriesOf(metric: string, target: RuleTarget, labels: Record<string, string> = {}): string {
  const all = { ...target.scrape, ...labels };
  return `${metric}{${Object.entries(all)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

/**
 * The target's groups cut down to one alert, without annotations (promtool would compare
 * their text too); undefined when the target does not ship that alert.
 */
export function onlyAlert(target: RuleTarget, alert: string): RuleGroup[] | undefined {
  const groups = target.groups.map((g) => ({
    ...g,
    rules: g.rules.filter((r) => r.alert === alert).map(({ annotations: _a, ...rule }) => rule),
  }));
  return groups.some((g) => g.rules.length > 0) ? groups : undefined;
}

/** Both places, named without loading them (the chart renders only when a test runs). */
export const RULE_TARGETS = [
  { name: 'deploy/prometheus', load: deployTarget },
  { name: 'the chart', load: chartTarget },
] as const;
