import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETECTIONS } from './support/sigma';

/**
 * Issue #24: the Sentinel sink sets TimeGenerated to the activity's created_at, and a row
 * reaches the table minutes after it (the feed's indexing lag, polling, Azure ingestion), or
 * days after when the forwarder catches up. A Scheduled rule only sees rows whose TimeGenerated
 * falls in its queryPeriod, so a 5-minute rule over 5 minutes would skip nearly every row. Each
 * analytics rule therefore takes the rows ingested since its previous run (ingestion_time()
 * over exactly its queryFrequency) and looks back far longer than it runs.
 */
interface AnalyticsRule {
  readonly displayName: string;
  readonly query: string;
  readonly queryFrequency: string;
  readonly queryPeriod: string;
}
const template = JSON.parse(readFileSync(join(DETECTIONS, 'dist/sentinel/analytics_rules.json'), 'utf8')) as {
  resources: { properties: AnalyticsRule }[];
};

/** ISO 8601 durations of the ARM template (PT5M, P2D) in minutes. */
function minutes(duration: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
  assert.ok(m !== null, `not a duration: ${duration}`);
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** KQL timespans of ago() (5m, 1h, 2d) in minutes. */
function kqlMinutes(span: string): number {
  const m = /^(\d+)([mhd])$/.exec(span);
  assert.ok(m !== null, `not a timespan: ${span}`);
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as 'm' | 'h' | 'd'];
}

test('each analytics rule reads the rows ingested since its last run, over a look-back of at least a day', () => {
  assert.ok(template.resources.length >= 40);
  for (const { properties: rule } of template.resources) {
    const since = /^ClaudeAudit_CL\n\| where ingestion_time\(\) > ago\((\w+)\)\n\| where /.exec(rule.query);
    assert.ok(since !== null, `${rule.displayName}: no ingestion_time() filter right after the table`);
    assert.equal(
      kqlMinutes(since[1]),
      minutes(rule.queryFrequency),
      `${rule.displayName}: filter != frequency`,
    );
    assert.ok(minutes(rule.queryPeriod) >= 1440, `${rule.displayName}: queryPeriod ${rule.queryPeriod}`);
  }
});
